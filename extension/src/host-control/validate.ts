// Validation on arrival. Every parser returns a typed value or throws a HostRequestError
// (malformed_message or unknown_request): nothing unchecked reaches a handler.

import { malformedMessage, unknownRequest } from './errors.ts'
import {
  IPC_CHANNEL,
  endpoints,
  errorCodes,
  ipcLimits,
  requestKinds,
  type Endpoint,
  type Envelope,
  type HostRequest,
  DOWNLOAD_STATES,
  type DownloadStarted,
  type DownloadState,
  type IpcErrorCode,
  type NodeStatus,
  type PingResult,
  type Reply,
  type RequestKind,
  type WakeResult,
} from './protocol.ts'

type Fields = Record<string, unknown>

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function record(value: unknown, what: string): Fields {
  if (!isRecord(value)) throw malformedMessage(`${what} is not an object`)
  return value
}

function boundedString(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string') throw malformedMessage(`${what} is not a string`)
  if (value.length === 0 || value.length > maxLength) {
    throw malformedMessage(`${what} length ${value.length} is outside 1..${maxLength}`)
  }
  return value
}

function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw malformedMessage(`${what} is not a non-negative number`)
  }
  return value
}

function boolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw malformedMessage(`${what} is not a boolean`)
  return value
}

/** Only the keys listed: an unexpected key means a different build or a forged message. */
function exactKeys(fields: Fields, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(fields)) {
    if (!allowed.includes(key)) throw malformedMessage(`${what} has unexpected field "${key}"`)
  }
}

const endpointValues: readonly string[] = Object.values(endpoints)
const kindValues: readonly string[] = Object.values(requestKinds)

export function isHestiaMessage(raw: unknown): boolean {
  return isRecord(raw) && raw.channel === IPC_CHANNEL
}

export function parseRequest(raw: unknown): HostRequest {
  const fields = record(raw, 'request')
  const kind = boundedString(fields.kind, 'request.kind', 64)
  if (!kindValues.includes(kind)) throw unknownRequest(kind)
  switch (kind as RequestKind) {
    case requestKinds.status:
      exactKeys(fields, ['kind'], 'node.status request')
      return { kind: requestKinds.status }
    case requestKinds.ping:
      exactKeys(fields, ['kind', 'multiaddr'], 'node.ping request')
      return {
        kind: requestKinds.ping,
        multiaddr: boundedString(fields.multiaddr, 'multiaddr', ipcLimits.maxMultiaddrLength),
      }
    case requestKinds.wake:
      exactKeys(fields, ['kind'], 'host.wake request')
      return { kind: requestKinds.wake }
    case requestKinds.notify:
      exactKeys(fields, ['kind', 'title', 'conversationId'], 'notification.show request')
      return {
        kind: requestKinds.notify,
        title: boundedString(fields.title, 'title', ipcLimits.maxNotificationTitleLength),
        conversationId: boundedString(
          fields.conversationId,
          'conversationId',
          ipcLimits.maxConversationIdLength,
        ),
      }
    case requestKinds.downloadStart: {
      exactKeys(fields, ['kind', 'url', 'filename'], 'download.start request')
      const url = boundedString(fields.url, 'url', ipcLimits.maxDownloadUrlLength)
      // Only blob: URLs the host made of a received file: never a web address to fetch.
      if (!url.startsWith('blob:')) throw malformedMessage('download url is not a blob: URL')
      return {
        kind: requestKinds.downloadStart,
        url,
        filename: boundedString(fields.filename, 'filename', ipcLimits.maxDownloadPathLength),
      }
    }
    case requestKinds.downloadState:
      exactKeys(fields, ['kind', 'downloadId'], 'download.state request')
      return {
        kind: requestKinds.downloadState,
        downloadId: downloadId(fields.downloadId, 'downloadId'),
      }
    case requestKinds.sessionKeyGet:
      exactKeys(fields, ['kind'], 'session.key.get request')
      return { kind: requestKinds.sessionKeyGet }
    case requestKinds.sessionKeyPut:
      exactKeys(fields, ['kind', 'key'], 'session.key.put request')
      return { kind: requestKinds.sessionKeyPut, key: sessionKey(fields.key, 'key') }
    case requestKinds.sessionKeyRemove:
      exactKeys(fields, ['kind'], 'session.key.remove request')
      return { kind: requestKinds.sessionKeyRemove }
  }
}

/** A 32-byte data key in base64url without padding: exactly 43 characters of its alphabet. */
function sessionKey(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(value))
    throw malformedMessage(`${what} is not a 32-byte key in base64url`)
  return value
}

function parseSessionKey(raw: unknown): { key: string | null } {
  const fields = record(raw, 'session.key.get result')
  exactKeys(fields, ['key'], 'session.key.get result')
  return { key: fields.key === null ? null : sessionKey(fields.key, 'result.key') }
}

function downloadId(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw malformedMessage(`${what} is not a download id`)
  }
  return value
}

function parseDownloadStarted(raw: unknown): DownloadStarted {
  const fields = record(raw, 'download.start result')
  exactKeys(fields, ['downloadId'], 'download.start result')
  return { downloadId: downloadId(fields.downloadId, 'result.downloadId') }
}

const downloadStateValues: readonly string[] = DOWNLOAD_STATES

function parseDownloadState(raw: unknown): DownloadState {
  const fields = record(raw, 'download.state result')
  exactKeys(fields, ['state', 'error'], 'download.state result')
  const state = boundedString(fields.state, 'result.state', 32)
  if (!downloadStateValues.includes(state))
    throw malformedMessage(`unknown download state ${state}`)
  return {
    state: state as DownloadState['state'],
    error: fields.error === null ? null : boundedString(fields.error, 'result.error', 128),
  }
}

export function parseEnvelope(raw: unknown): Envelope {
  const fields = record(raw, 'envelope')
  if (fields.channel !== IPC_CHANNEL) throw malformedMessage('wrong channel')
  exactKeys(fields, ['channel', 'to', 'id', 'request'], 'envelope')
  const to = boundedString(fields.to, 'envelope.to', 32)
  if (!endpointValues.includes(to)) throw malformedMessage(`unknown endpoint "${to}"`)
  return {
    channel: IPC_CHANNEL,
    to: to as Endpoint,
    id: boundedString(fields.id, 'envelope.id', ipcLimits.maxRequestIdLength),
    request: parseRequest(fields.request),
  }
}

function parseStatus(raw: unknown): NodeStatus {
  const fields = record(raw, 'status')
  const multiaddrs = fields.multiaddrs
  if (!Array.isArray(multiaddrs) || multiaddrs.length > ipcLimits.maxAddresses) {
    throw malformedMessage('status.multiaddrs is not a bounded list')
  }
  return {
    peerId: boundedString(fields.peerId, 'status.peerId', ipcLimits.maxPeerIdLength),
    started: boolean(fields.started, 'status.started'),
    connections: finiteNumber(fields.connections, 'status.connections'),
    multiaddrs: multiaddrs.map((a) =>
      boundedString(a, 'status.multiaddrs[]', ipcLimits.maxMultiaddrLength),
    ),
    rtcPeerConnection: boolean(fields.rtcPeerConnection, 'status.rtcPeerConnection'),
    nodeHome: boundedString(fields.nodeHome, 'status.nodeHome', 64),
    startedAt: finiteNumber(fields.startedAt, 'status.startedAt'),
    uptimeMs: finiteNumber(fields.uptimeMs, 'status.uptimeMs'),
  }
}

function parsePing(raw: unknown): PingResult {
  return { rttMs: finiteNumber(record(raw, 'ping result').rttMs, 'ping.rttMs') }
}

function parseWake(raw: unknown): WakeResult {
  const fields = record(raw, 'wake result')
  if (fields.awake !== true) throw malformedMessage('wake.awake is not true')
  return { awake: true }
}

function parseEmpty(raw: unknown): Record<string, never> {
  exactKeys(record(raw, 'result'), [], 'result')
  return {}
}

/** Result parsers per kind, so a client gets a checked, typed result. */
export const resultParsers = {
  'node.status': parseStatus,
  'node.ping': parsePing,
  'host.wake': parseWake,
  'notification.show': parseEmpty,
  'download.start': parseDownloadStarted,
  'download.state': parseDownloadState,
  'session.key.get': parseSessionKey,
  'session.key.put': parseEmpty,
  'session.key.remove': parseEmpty,
} as const satisfies { [K in RequestKind]: (raw: unknown) => unknown }

const errorCodeValues: readonly string[] = Object.values(errorCodes)

export function parseReply(raw: unknown): Reply {
  const fields = record(raw, 'reply')
  if (fields.ok === true) return { ok: true, result: fields.result }
  if (fields.ok !== false) throw malformedMessage('reply.ok is not a boolean')
  const error = record(fields.error, 'reply.error')
  const code = boundedString(error.code, 'reply.error.code', 64)
  if (!errorCodeValues.includes(code)) throw malformedMessage(`unknown error code ${code}`)
  return {
    ok: false,
    error: {
      code: code as IpcErrorCode,
      message: boundedString(error.message, 'reply.error.message', ipcLimits.maxErrorMessageLength),
    },
  }
}
