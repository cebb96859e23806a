/**
 * The fixture client's devices (issue 19): the same answers and events as the node's `devices.*`
 * (devices.ts in the client API), without a network. The fixture plays the other device of a link:
 * on the primary it is the new device (which has confirmed already), on a new install it is the
 * primary, which scans the offer when `controls.devices.scanOffer()` is called (or by itself
 * after 1.5 s with a `schedule`) and confirms when the user does.
 *
 * On the new install `done` is followed by `identity.changed` to the joined identity: the designed
 * end state. The node does not reach it yet (ADR 0761: no companion runtime; identity stays none).
 */
import { DEVICE_API_LIMITS, fail, ok } from '../src/client/api.ts'
import type {
  ClientFailure,
  ClientResponse,
  DeviceInfo,
  DeviceLinkFailure,
  DeviceLinkStatus,
  DevicesEvent,
  DevicesView,
  IdentityStatus,
  RequestFor,
  ResultFor,
  Timestamp,
} from '../src/client/api.ts'

export type FixtureDevicesRequestType =
  | 'devices.list'
  | 'devices.linkStart'
  | 'devices.linkAccept'
  | 'devices.linkConfirm'
  | 'devices.linkCancel'
  | 'devices.rename'
  | 'devices.remove'
  | 'devices.logoutOthers'
  | 'devices.historySize'
  | 'devices.sendHistory'

/** What the fixture devices need from the fixture client. */
export interface FixtureDevicesHost {
  now: () => Timestamp
  random: () => number
  emit(event: DevicesEvent): void
  identity(): IdentityStatus
  /** The new device's link completed: it now has the primary's identity. */
  becomeCompanion(identity: IdentityStatus): void
  /** This device was removed by the primary: erase it (identity none). */
  erase(): void
  schedule?: (delayMs: number, task: () => void) => void
}

export interface FixtureDeviceControls {
  /** New install: the primary scans the shown offer; both now compare the returned code. */
  scanOffer(): DeviceLinkStatus
  /** The other device of the link ends it (`declined`, `expired`, `unreachable`, …). */
  failLink(failure: DeviceLinkFailure): DeviceLinkStatus
  /** The primary removed this device: `device.removed`, then the identity is erased. */
  removeThisDevice(): void
  /** Another device of ours linked itself (e.g. to reach the cap in a test). */
  addDevice(name: string): DevicesView
}

const LINK_PREFIX = 'hestia:link/'
const OFFER_LIFETIME_MS = 10 * 60_000
const PRIMARY_IDENTITY = { displayName: 'Robin', fingerprint: 'q3Zt8vXc1LmN' }

const FAILURE_TEXT: Record<DeviceLinkFailure, string> = {
  cancelled: 'You cancelled linking.',
  declined: 'The other device cancelled linking.',
  expired: 'The link expired. Start again on the new device.',
  unreachable: 'The new device could not be reached. Check that both are online and try again.',
  device_limit:
    'This identity already has 5 devices, the most Hestia allows. Remove one in Settings → Devices first.',
  refused: 'Another device answered instead of the one you scanned. Nothing was linked.',
}

function base64urlChars(random: () => number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  return Array.from({ length }, () => alphabet[Math.floor(random() * 64)]).join('')
}

export class FixtureDevices {
  readonly #host: FixtureDevicesHost
  #devices: DeviceInfo[] = []
  #primary = true
  #listVersion = 1
  #link: DeviceLinkStatus | null = null
  #pendingDeviceName: string | null = null
  #counter = 0

  constructor(host: FixtureDevicesHost, seeded: boolean) {
    this.#host = host
    if (seeded) this.#seed()
  }

  #seed(): void {
    const now = this.#host.now()
    this.#devices = [
      this.#device('Chromium on this computer', true, true, now - 200 * 86_400_000, null),
      this.#device('Firefox at work', false, false, now - 30 * 86_400_000, now - 3_600_000),
    ]
  }

  #device(
    name: string,
    thisDevice: boolean,
    primary: boolean,
    linkedAt: Timestamp,
    lastSeen: Timestamp | null,
  ): DeviceInfo {
    this.#counter++
    const deviceId = `12D3KooWFixtureDevice${String(this.#counter).padStart(3, '0')}`
    return { deviceId, name, thisDevice, primary, linkedAt, lastSeen }
  }

  /** Identity created here: this device is the primary and the only one. */
  identityCreated(): void {
    this.#primary = true
    this.#listVersion = 1
    this.#devices = [this.#device('This browser', true, true, this.#host.now(), null)]
  }

  /** The device was erased (vault): nothing is left. */
  erased(): void {
    this.#devices = []
    this.#link = null
  }

  view(): DevicesView {
    return {
      devices: this.#devices,
      canManage: this.#primary,
      max: DEVICE_API_LIMITS.maxDevices,
      listVersion: this.#listVersion,
    }
  }

  /** Requests answered before an identity exists (linking a new install). */
  answersWithoutIdentity(type: string): boolean {
    return (
      type === 'devices.linkStart' ||
      type === 'devices.linkConfirm' ||
      type === 'devices.linkCancel'
    )
  }

  handle(request: RequestFor<FixtureDevicesRequestType>): ClientResponse | ClientFailure {
    switch (request.type) {
      case 'devices.list':
        return ok(this.view())
      case 'devices.linkStart':
        return this.#linkStart(request.deviceName)
      case 'devices.linkAccept':
        return this.#linkAccept(request.link)
      case 'devices.linkConfirm':
        return this.#linkConfirm(request.linkId)
      case 'devices.linkCancel':
        return this.#linkCancel(request.linkId)
      case 'devices.rename':
        return this.#manage(() => this.#rename(request.deviceId, request.name))
      case 'devices.remove':
        return this.#manage(() => this.#remove(request.deviceId))
      case 'devices.logoutOthers':
        return this.#manage(() => {
          this.#devices = this.#devices.filter((d) => d.thisDevice)
          return null
        })
      case 'devices.historySize':
      case 'devices.sendHistory':
        return this.#history(request.type, request.deviceId)
    }
  }

  /** The fixture's history: a fixed size, sent at once (UI development only). */
  #history(
    type: 'devices.historySize' | 'devices.sendHistory',
    deviceId: string,
  ): ClientResponse | ClientFailure {
    if (!this.#devices.some((d) => d.deviceId === deviceId && !d.thisDevice))
      return fail('not_found', `No linked device ${deviceId}`)
    if (type === 'devices.historySize') return ok({ messages: 1234, chats: 12, bytes: 2_300_000 })
    const transfer = {
      deviceId,
      direction: 'out' as const,
      state: 'done' as const,
      chunksDone: 7,
      chunks: 7,
      messages: 1234,
      reason: null,
    }
    this.#host.emit({ type: 'device.history', transfer })
    return ok(transfer)
  }

  #manage(change: () => ClientFailure | null): ClientResponse<DevicesView> | ClientFailure {
    if (!this.#primary)
      return fail('invalid_state', 'Only the primary device manages the device list')
    const failed = change()
    if (failed !== null) return failed
    this.#listVersion++
    this.#host.emit({ type: 'devices.changed', devices: this.view() })
    return ok(this.view())
  }

  #rename(deviceId: string, name: string): ClientFailure | null {
    const device = this.#devices.find((d) => d.deviceId === deviceId)
    if (device === undefined) return fail('not_found', `No device ${deviceId}`)
    device.name = name
    return null
  }

  #remove(deviceId: string): ClientFailure | null {
    const device = this.#devices.find((d) => d.deviceId === deviceId)
    if (device === undefined) return fail('not_found', `No device ${deviceId}`)
    if (device.thisDevice)
      return fail('invalid_state', 'The primary cannot remove itself: erase this device instead')
    this.#devices = this.#devices.filter((d) => d !== device)
    return null
  }

  #update(patch: Partial<DeviceLinkStatus>): DeviceLinkStatus {
    if (this.#link === null) throw new RangeError('No link in progress')
    this.#link = { ...this.#link, ...patch }
    this.#host.emit({ type: 'device.link', link: this.#link })
    return this.#link
  }

  #code(): string {
    return String(Math.floor(this.#host.random() * 1_000_000)).padStart(6, '0')
  }

  #linkStart(deviceName: string): ClientResponse<ResultFor<'devices.linkStart'>> | ClientFailure {
    if (this.#host.identity().state === 'ready')
      return fail('identity_exists', 'This device already has an identity')
    const linkId = `lk-${base64urlChars(this.#host.random, 10)}`
    const link = LINK_PREFIX + base64urlChars(this.#host.random, 126)
    const expiresAt = this.#host.now() + OFFER_LIFETIME_MS
    this.#pendingDeviceName = deviceName
    this.#link = this.#status(linkId, 'new')
    this.#host.emit({ type: 'device.link', link: this.#link })
    this.#host.schedule?.(1_500, () => {
      if (this.#link?.linkId === linkId && this.#link.state === 'waiting') this.#scanOffer()
    })
    return ok({ linkId, link, qrPayload: link.toUpperCase(), expiresAt })
  }

  #status(linkId: string, side: 'new' | 'existing'): DeviceLinkStatus {
    return {
      linkId,
      side,
      state: 'waiting',
      code: null,
      identity: null,
      deviceName: null,
      failure: null,
      reason: null,
    }
  }

  #linkAccept(text: string): ClientResponse<DeviceLinkStatus> | ClientFailure {
    if (!this.#primary) return fail('invalid_state', 'Only the primary device links devices')
    if (!text.trim().startsWith(LINK_PREFIX))
      return fail('link_invalid', 'This is not a device link')
    if (this.#devices.length >= DEVICE_API_LIMITS.maxDevices)
      return fail('device_limit', FAILURE_TEXT.device_limit)
    this.#link = this.#status(`lk-${base64urlChars(this.#host.random, 10)}`, 'existing')
    return ok(this.#update({ state: 'compare', code: this.#code(), deviceName: 'New browser' }))
  }

  #current(linkId: string): DeviceLinkStatus | ClientFailure {
    if (this.#link?.linkId !== linkId) return fail('not_found', `No link ${linkId}`)
    if (this.#link.state === 'done' || this.#link.state === 'failed')
      return fail('invalid_state', `The link has ended (${this.#link.state})`)
    return this.#link
  }

  #linkConfirm(linkId: string): ClientResponse<DeviceLinkStatus> | ClientFailure {
    const link = this.#current(linkId)
    if ('ok' in link) return link
    if (link.state !== 'compare') return fail('invalid_state', 'There is no code to confirm yet')
    if (link.side === 'existing') {
      const name = link.deviceName ?? 'New browser'
      this.#devices.push(this.#device(name, false, false, this.#host.now(), this.#host.now()))
      this.#listVersion++
      const done = this.#update({ state: 'done' })
      this.#host.emit({ type: 'devices.changed', devices: this.view() })
      return ok(done)
    }
    return ok(this.#finishNewDevice())
  }

  #finishNewDevice(): DeviceLinkStatus {
    const now = this.#host.now()
    this.#primary = false
    this.#listVersion = 7
    this.#devices = [
      this.#device(PRIMARY_IDENTITY.displayName + "'s first browser", false, true, now - 9e9, now),
      this.#device(this.#pendingDeviceName ?? 'This browser', true, false, now, null),
    ]
    this.#host.becomeCompanion({
      state: 'ready',
      role: 'companion',
      ...PRIMARY_IDENTITY,
      createdAt: now - 200 * 86_400_000,
    })
    const done = this.#update({ state: 'done' })
    this.#host.emit({ type: 'devices.changed', devices: this.view() })
    return done
  }

  #linkCancel(linkId: string): ClientResponse<DeviceLinkStatus> | ClientFailure {
    const link = this.#current(linkId)
    if ('ok' in link) return link
    return ok(
      this.#update({ state: 'failed', failure: 'cancelled', reason: FAILURE_TEXT.cancelled }),
    )
  }

  #scanOffer(): DeviceLinkStatus {
    if (this.#link?.side !== 'new' || this.#link.state !== 'waiting')
      throw new RangeError('No offer is waiting to be scanned')
    return this.#update({ state: 'compare', code: this.#code(), identity: PRIMARY_IDENTITY })
  }

  controls(): FixtureDeviceControls {
    return {
      scanOffer: () => this.#scanOffer(),
      failLink: (failure) =>
        this.#update({ state: 'failed', failure, reason: FAILURE_TEXT[failure] }),
      removeThisDevice: () => {
        this.#host.emit({ type: 'device.removed', at: this.#host.now() })
        this.erased()
        this.#host.erase()
      },
      addDevice: (name) => {
        if (this.#devices.length >= DEVICE_API_LIMITS.maxDevices)
          throw new RangeError('The identity has 5 devices already')
        this.#devices.push(this.#device(name, false, false, this.#host.now(), null))
        this.#listVersion++
        this.#host.emit({ type: 'devices.changed', devices: this.view() })
        return this.view()
      },
    }
  }
}
