// Host control: the small requests between the popup, the background (Chrome service worker /
// Firefox background page) and the node host (Chrome offscreen document / Firefox background page)
// that keep the host alive and let it use APIs only the background has: wake the host, node status
// and ping, show a notification, start and follow a download. Chat and the client API do not go
// here (they use the client API's runtime port, extension/src/client/).
//
// Every message travels in an Envelope addressed to one endpoint, because chrome.runtime
// messages reach every extension page at once. Receivers validate what arrives
// (`parseEnvelope`, `parseReply`) and ignore envelopes addressed to someone else.

export const IPC_CHANNEL = 'hestia/v1/ipc' as const

export const endpoints = {
  /** Chrome: the service worker (forwards to the host). Firefox: the background page (is the host). */
  background: 'background',
  /** The document that owns the libp2p node. */
  host: 'host',
} as const
export type Endpoint = (typeof endpoints)[keyof typeof endpoints]

/** Caps on what a sender controls. */
export const ipcLimits = {
  maxRequestIdLength: 64,
  maxMultiaddrLength: 1024,
  maxErrorMessageLength: 2048,
  maxPeerIdLength: 128,
  maxAddresses: 64,
  /** "New message from <64-char name>" fits. */
  maxNotificationTitleLength: 128,
  maxConversationIdLength: 64,
  /** `blob:chrome-extension://<32 letters>/<uuid>` with room to spare. */
  maxDownloadUrlLength: 256,
  /** "Hestia/" + a name of at most 180 characters (files/download-name.ts), UTF-16 units. */
  maxDownloadPathLength: 512,
} as const

export const requestKinds = {
  status: 'node.status',
  ping: 'node.ping',
  wake: 'host.wake',
  notify: 'notification.show',
  downloadStart: 'download.start',
  downloadState: 'download.state',
  sessionKeyGet: 'session.key.get',
  sessionKeyPut: 'session.key.put',
  sessionKeyRemove: 'session.key.remove',
} as const
export type RequestKind = (typeof requestKinds)[keyof typeof requestKinds]

export interface NodeStatus {
  readonly peerId: string
  readonly started: boolean
  readonly connections: number
  readonly multiaddrs: readonly string[]
  /** Whether RTCPeerConnection exists where the node lives (it does not in a Chrome service worker). */
  readonly rtcPeerConnection: boolean
  readonly nodeHome: string
  readonly startedAt: number
  readonly uptimeMs: number
}

export interface PingResult {
  readonly rttMs: number
}

export interface WakeResult {
  /** The host listens for client ports (`runtime.connect`) once it answers. */
  readonly awake: true
}

/** Shown by the background (Chrome's offscreen document has no notifications API). */
export interface NotificationRequest {
  readonly kind: 'notification.show'
  /** "New message", or "New message from <name>" when the user turned names on: never text. */
  readonly title: string
  readonly conversationId: string
}

/**
 * Saves a received file (Chrome's offscreen document has no downloads API): the host made a blob:
 * URL of the finished file in its own document; the background starts the download and the host
 * polls its state until it is complete, then revokes the URL.
 */
export interface DownloadStartRequest {
  readonly kind: 'download.start'
  /** A blob: URL of this extension's origin. */
  readonly url: string
  /** Relative to the downloads folder, already made safe (files/download-name.ts). */
  readonly filename: string
}

export interface DownloadStarted {
  readonly downloadId: number
}

export const DOWNLOAD_STATES = ['in_progress', 'complete', 'interrupted'] as const
export type DownloadStateName = (typeof DOWNLOAD_STATES)[number]

export interface DownloadState {
  readonly state: DownloadStateName
  /** The browser's reason when interrupted (e.g. FILE_NO_SPACE), else null. */
  readonly error: string | null
}

/** Request and result per kind: the whole host API in one table. */
export interface HostApi {
  'node.status': { request: { kind: 'node.status' }; result: NodeStatus }
  'node.ping': { request: { kind: 'node.ping'; multiaddr: string }; result: PingResult }
  'host.wake': { request: { kind: 'host.wake' }; result: WakeResult }
  'notification.show': { request: NotificationRequest; result: Record<string, never> }
  'download.start': { request: DownloadStartRequest; result: DownloadStarted }
  'download.state': {
    request: { kind: 'download.state'; downloadId: number }
    result: DownloadState
  }
  /**
   * The unlocked data key (issue 17, ADR 0523), kept by Chrome's service worker in
   * chrome.storage.session for the offscreen document, which has no chrome.storage: base64url of
   * 32 bytes, or null when none is kept (locked).
   */
  'session.key.get': { request: { kind: 'session.key.get' }; result: { key: string | null } }
  'session.key.put': {
    request: { kind: 'session.key.put'; key: string }
    result: Record<string, never>
  }
  'session.key.remove': { request: { kind: 'session.key.remove' }; result: Record<string, never> }
}

export type HostRequest = HostApi[RequestKind]['request']
export type HostResult<K extends RequestKind> = HostApi[K]['result']

export interface Envelope {
  readonly channel: typeof IPC_CHANNEL
  readonly to: Endpoint
  readonly id: string
  readonly request: HostRequest
}

export const errorCodes = {
  malformedMessage: 'malformed_message',
  unknownRequest: 'unknown_request',
  untrustedSender: 'untrusted_sender',
  hostUnavailable: 'host_unavailable',
  requestFailed: 'request_failed',
  timeout: 'timeout',
} as const
export type IpcErrorCode = (typeof errorCodes)[keyof typeof errorCodes]

export type Reply<T = unknown> =
  | { readonly ok: true; readonly result: T }
  | {
      readonly ok: false
      readonly error: { readonly code: IpcErrorCode; readonly message: string }
    }
