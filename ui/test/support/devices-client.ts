// A client that answers only the devices.* requests a test gives it and lets the test send
// events: enough to drive DevicesState through every step of a link, a removal and a refusal.
import type {
  ClientEvent,
  ClientEventListener,
  ClientRequest,
  ClientResponse,
  DeviceInfo,
  DeviceLinkStatus,
  DevicesView,
  MessengerClient,
} from '@hestia/core/client/api.ts'
import { NOW } from './fixtures.ts'

type Answer = (request: ClientRequest) => ClientResponse

export interface DevicesClient extends MessengerClient {
  readonly asked: ClientRequest[]
  answers: Partial<Record<ClientRequest['type'], Answer>>
  emit(event: ClientEvent): void
}

export function devicesClient(answers: DevicesClient['answers'] = {}): DevicesClient {
  const listeners = new Set<ClientEventListener>()
  const client: DevicesClient = {
    asked: [],
    answers,
    emit(event) {
      for (const listener of listeners) listener(event)
    },
    request(request) {
      client.asked.push(request)
      const answer = client.answers[request.type]
      const response = answer?.(request) ?? {
        ok: false,
        error: { code: 'internal', message: `no answer for ${request.type}` },
      }
      return Promise.resolve(response as never)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return client
}

export function device(fields: Partial<DeviceInfo> & { name: string }): DeviceInfo {
  return {
    deviceId: `12D3KooW${fields.name.replace(/\W/g, '').slice(0, 12)}`,
    thisDevice: false,
    primary: false,
    linkedAt: NOW - 86_400_000,
    lastSeen: NOW - 3_600_000,
    ...fields,
  }
}

export function view(devices: DeviceInfo[], canManage = true): DevicesView {
  return { devices, canManage, max: 5, listVersion: 7 }
}

export function linkStatus(fields: Partial<DeviceLinkStatus>): DeviceLinkStatus {
  return {
    linkId: 'link-1',
    side: 'existing',
    state: 'compare',
    code: '407215',
    identity: null,
    deviceName: 'Firefox on Linux',
    failure: null,
    reason: null,
    ...fields,
  }
}
