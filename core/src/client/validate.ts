/**
 * Runtime validators for client API messages arriving from another context: the node checks every
 * request, a UI checks every response and event. Malformed input throws InvalidClientMessageError
 * (code `invalid_request`); the dispatcher's error map (`failureFromError`, dispatch.ts) turns it into
 * the failure a node answers with.
 */
import {
  CALL_END_REASONS,
  CALL_MEDIA,
  CALL_OUTCOMES,
  CALL_STATES,
  CLIENT_ERROR_CODES,
  CLIENT_LIMITS as L,
  DELIVERY_STATES,
  MESSAGE_DIRECTIONS,
  RELAY_STATES,
  SYSTEM_EVENTS,
  TRANSFER_ROUTES,
  TRANSFER_STATES,
  TRUST_STATES,
} from './api.ts'
import type {
  CallInfo,
  CallSignal,
  ChatMessage,
  ClientErrorBody,
  ClientEvent,
  ClientFailure,
  ClientPortMessage,
  ClientRequest,
  ClientRequestType,
  ClientResponse,
  ClientSuccess,
  ConnectivityStatus,
  ContactDevice,
  ContactInfo,
  ContactSummary,
  ConversationSummary,
  FileTransfer,
  IdentityStatus,
  Invite,
  MessageBody,
  MessagePreview,
  RelayStatus,
  RequestFor,
  ResultFor,
  Settings,
  SettingsPatch,
  StagedFile,
  TransferProgress,
} from './api.ts'
import {
  InvalidClientMessageError,
  arr,
  bool,
  exactly,
  int,
  lit,
  nullable,
  num,
  obj,
  oneOf,
  opt,
  str,
  tagged,
  tolerantArr,
} from './schema.ts'
import type { Schema } from './schema.ts'
import { vaultRequestSchemas, vaultResultSchemas, vaultStatus } from './api/vault-schema.ts'

export { InvalidClientMessageError } from './schema.ts'

// Dropped list items ---------------------------------------------------------------------------

/** What the list schemas left out since this page loaded (shown under Node diagnostics). */
export interface DroppedItems {
  count: number
  /** The last problem, e.g. `response.value.messages[3].sentAt: outside 0..8640000000000000`. */
  last: string | null
}

const droppedItems: DroppedItems = { count: 0, last: null }

/** Items left out of list answers so far, because they failed their schema. */
export function droppedListItems(): Readonly<DroppedItems> {
  return { ...droppedItems }
}

function dropItem(error: InvalidClientMessageError): void {
  droppedItems.count += 1
  droppedItems.last = `${error.path}: ${error.problem}`
}

/** A list of peer-derived items: bad ones are dropped and counted, the rest still load. */
function list<T>(item: Schema<T>, maxItems: number): Schema<T[]> {
  return tolerantArr(item, maxItems, dropItem)
}

// Scalars -------------------------------------------------------------------------------------

const id = str(L.idMaxChars, 1)
const time = int(0, 8.64e15) // the ECMAScript Date range
const count = int(0, Number.MAX_SAFE_INTEGER)
const displayName = str(L.displayNameMaxChars, 1)
/** The tag shown after a confusable name (core/src/text/confusable.ts nameTagFor). */
const nameTag = str(8, 1)
const relayAddress = str(L.relayAddressMaxChars, 1)
const cursor = str(L.cursorMaxChars, 1)
const fileSize = int(0, L.fileSizeMax)

const errorBody = obj<ClientErrorBody>({
  code: oneOf(CLIENT_ERROR_CODES),
  message: str(L.errorMessageMaxChars),
})

// Shared values -------------------------------------------------------------------------------

const identityStatus = tagged<IdentityStatus, 'state'>('state', {
  none: obj({ state: lit('none') }),
  ready: obj({
    state: lit('ready'),
    displayName,
    fingerprint: str(L.idMaxChars),
    createdAt: time,
  }),
})

const relayStatus = obj<RelayStatus>({
  address: relayAddress,
  state: oneOf(RELAY_STATES),
  reserved: bool,
  mailboxReady: bool,
  rttMs: nullable(num(0, 3_600_000)),
  error: nullable(str(L.errorMessageMaxChars)),
  since: time,
})

const connectivity = obj<ConnectivityStatus>({
  nodeRunning: bool,
  relays: arr(relayStatus, L.relaysMax),
  directPeers: count,
})

const contactSummary = obj<ContactSummary>({
  contactId: id,
  conversationId: id,
  displayName,
  nameTag: opt(nameTag),
  verified: bool,
  trust: oneOf(TRUST_STATES),
  heldCount: count,
})

const messageBody = tagged<MessageBody, 'kind'>('kind', {
  text: obj({ kind: lit('text'), text: str(L.messageTextMaxChars) }),
  file: obj({
    kind: lit('file'),
    transferId: id,
    name: str(L.fileNameMaxChars),
    size: fileSize,
    mimeType: str(L.mimeTypeMaxChars),
  }),
  call: obj({
    kind: lit('call'),
    callId: id,
    media: oneOf(CALL_MEDIA),
    outcome: oneOf(CALL_OUTCOMES),
    durationMs: count,
  }),
  system: obj({ kind: lit('system'), event: oneOf(SYSTEM_EVENTS) }),
})

const chatMessage = obj<ChatMessage>({
  messageId: id,
  conversationId: id,
  direction: oneOf(MESSAGE_DIRECTIONS),
  body: messageBody,
  sentAt: time,
  receivedAt: time,
  delivery: nullable(oneOf(DELIVERY_STATES)),
  failure: nullable(errorBody),
  readAt: nullable(time),
})

const messagePreview = obj<MessagePreview>({
  messageId: id,
  direction: oneOf(MESSAGE_DIRECTIONS),
  kind: oneOf(['text', 'file', 'call', 'system'] as const),
  text: str(L.previewMaxChars + 1), // +1 for an ellipsis
  sentAt: time,
  delivery: nullable(oneOf(DELIVERY_STATES)),
  event: opt(oneOf(SYSTEM_EVENTS)),
  call: opt(obj({ media: oneOf(CALL_MEDIA), outcome: oneOf(CALL_OUTCOMES) })),
})

const conversationSummary = obj<ConversationSummary>({
  conversationId: id,
  contact: contactSummary,
  lastMessage: nullable(messagePreview),
  unreadCount: count,
  lastActivityAt: time,
})

const contactDevice = obj<ContactDevice>({
  deviceId: id,
  addedAt: time,
  lastSeenAt: nullable(time),
})

const safetyNumber: Schema<string[]> = (value, path) => {
  const groups = arr(str(5, 5), 12)(value, path)
  if (groups.length !== 12)
    throw new InvalidClientMessageError(path, 'expected 12 groups of 5 digits')
  groups.forEach((group, index) => {
    if (!/^[0-9]{5}$/.test(group))
      throw new InvalidClientMessageError(`${path}[${index}]`, 'expected 5 digits')
  })
  return groups
}

const contactInfo = obj<ContactInfo>({
  contact: contactSummary,
  safetyNumber,
  myVerificationQr: str(L.verificationPayloadMaxChars, 1),
  devices: list(contactDevice, L.devicesMax),
  addedAt: time,
  keyChangedAt: nullable(time),
  relays: arr(relayAddress, L.relaysMax),
  refusedKeys: count,
})

const invite = obj<Invite>({
  link: str(L.inviteMaxChars, 1),
  qrPayload: str(L.inviteMaxChars, 1),
  expiresAt: time,
})

const settings = obj<Settings>({
  relays: arr(relayAddress, L.relaysMax),
  notifications: obj({ enabled: bool, showNames: bool }),
  readReceipts: bool,
  delayReceipts: bool,
  relayOnly: bool,
})

const settingsPatch = obj<SettingsPatch>({
  notifications: opt(obj({ enabled: opt(bool), showNames: opt(bool) })),
  readReceipts: opt(bool),
  delayReceipts: opt(bool),
  relayOnly: opt(bool),
})

const transferProgress = obj<TransferProgress>({
  bytes: fileSize,
  total: fileSize,
  rateBytesPerSec: num(0, Number.MAX_SAFE_INTEGER),
  etaSeconds: nullable(num(0, Number.MAX_SAFE_INTEGER)),
})

const fileTransfer = obj<FileTransfer>({
  transferId: id,
  conversationId: id,
  messageId: id,
  direction: oneOf(MESSAGE_DIRECTIONS),
  name: str(L.fileNameMaxChars),
  size: fileSize,
  mimeType: str(L.mimeTypeMaxChars),
  state: oneOf(TRANSFER_STATES),
  route: nullable(oneOf(TRANSFER_ROUTES)),
  progress: transferProgress,
  error: nullable(errorBody),
  updatedAt: time,
})

const stagedFile = obj<StagedFile>({
  stagedFileId: id,
  name: str(L.fileNameMaxChars, 1),
  size: fileSize,
  mimeType: str(L.mimeTypeMaxChars),
})

const callInfo = obj<CallInfo>({
  callId: id,
  conversationId: id,
  contactId: id,
  direction: oneOf(MESSAGE_DIRECTIONS),
  media: oneOf(CALL_MEDIA),
  state: oneOf(CALL_STATES),
  muted: bool,
  cameraOn: bool,
  startedAt: time,
  connectedAt: nullable(time),
  endedAt: nullable(time),
  endReason: nullable(oneOf(CALL_END_REASONS)),
  localDtlsFingerprint: nullable(str(L.idMaxChars * 2)),
  remoteDtlsFingerprint: nullable(str(L.idMaxChars * 2)),
})

const fingerprint = str(L.idMaxChars * 2, 1)

const callSignal = tagged<CallSignal, 'kind'>('kind', {
  offer: obj({ kind: lit('offer'), sdp: str(L.sdpMaxChars, 1), dtlsFingerprint: fingerprint }),
  answer: obj({ kind: lit('answer'), sdp: str(L.sdpMaxChars, 1), dtlsFingerprint: fingerprint }),
  ice: obj({
    kind: lit('ice'),
    candidate: str(L.iceCandidateMaxChars),
    sdpMid: nullable(str(L.idMaxChars)),
    sdpMLineIndex: nullable(int(0, 1024)),
  }),
  ice_end: obj({ kind: lit('ice_end') }),
  media: obj({
    kind: lit('media'),
    state: oneOf(['connected', 'failed'] as const),
    detail: nullable(str(L.errorMessageMaxChars)),
  }),
})

// Requests ------------------------------------------------------------------------------------

const byContact = { contactId: id }
const byTransfer = { transferId: id }
const byCall = { callId: id }

const requestSchemas: { [K in ClientRequestType]: Schema<RequestFor<K>> } = {
  'identity.status': obj({ type: lit('identity.status') }),
  'identity.create': obj({ type: lit('identity.create'), displayName }),
  'connectivity.status': obj({ type: lit('connectivity.status') }),
  'connectivity.retryRelay': obj({ type: lit('connectivity.retryRelay'), address: relayAddress }),
  'conversations.list': obj({
    type: lit('conversations.list'),
    query: nullable(str(L.searchQueryMaxChars)),
  }),
  'messages.page': obj({
    type: lit('messages.page'),
    conversationId: id,
    before: nullable(cursor),
    limit: int(1, L.pageMaxMessages),
  }),
  'messages.send': obj({
    type: lit('messages.send'),
    conversationId: id,
    text: str(L.messageTextMaxChars, 1),
  }),
  'messages.retry': obj({ type: lit('messages.retry'), conversationId: id, messageId: id }),
  'messages.markRead': obj({ type: lit('messages.markRead'), conversationId: id, upTo: id }),
  'invite.mine': obj({ type: lit('invite.mine') }),
  'invite.renew': obj({ type: lit('invite.renew') }),
  'invite.accept': obj({ type: lit('invite.accept'), invite: str(L.inviteMaxChars, 1) }),
  'contact.info': obj({ type: lit('contact.info'), ...byContact }),
  'contact.verify': obj({
    type: lit('contact.verify'),
    ...byContact,
    method: oneOf(['safety_number', 'qr'] as const),
    scannedPayload: nullable(str(L.verificationPayloadMaxChars, 1)),
  }),
  'contact.acceptNewKey': obj({ type: lit('contact.acceptNewKey'), ...byContact }),
  'contact.keepOldKey': obj({ type: lit('contact.keepOldKey'), ...byContact }),
  'contact.allowNewKeys': obj({ type: lit('contact.allowNewKeys'), ...byContact }),
  'contact.rename': obj({ type: lit('contact.rename'), ...byContact, displayName }),
  'contact.setBlocked': obj({ type: lit('contact.setBlocked'), ...byContact, blocked: bool }),
  'contact.delete': obj({ type: lit('contact.delete'), ...byContact }),
  'settings.get': obj({ type: lit('settings.get') }),
  'settings.update': obj({ type: lit('settings.update'), patch: settingsPatch }),
  'settings.addRelay': obj({ type: lit('settings.addRelay'), address: relayAddress }),
  'settings.removeRelay': obj({ type: lit('settings.removeRelay'), address: relayAddress }),
  'transfers.list': obj({ type: lit('transfers.list'), conversationId: nullable(id) }),
  'transfer.offer': obj({ type: lit('transfer.offer'), conversationId: id, file: stagedFile }),
  'transfer.accept': obj({ type: lit('transfer.accept'), ...byTransfer }),
  'transfer.decline': obj({ type: lit('transfer.decline'), ...byTransfer }),
  'transfer.pause': obj({ type: lit('transfer.pause'), ...byTransfer }),
  'transfer.resume': obj({ type: lit('transfer.resume'), ...byTransfer }),
  'transfer.cancel': obj({ type: lit('transfer.cancel'), ...byTransfer }),
  'call.current': obj({ type: lit('call.current') }),
  'call.start': obj({ type: lit('call.start'), conversationId: id, media: oneOf(CALL_MEDIA) }),
  'call.accept': obj({ type: lit('call.accept'), ...byCall }),
  'call.decline': obj({ type: lit('call.decline'), ...byCall }),
  'call.hangUp': obj({ type: lit('call.hangUp'), ...byCall }),
  'call.setMuted': obj({ type: lit('call.setMuted'), ...byCall, muted: bool }),
  'call.setCamera': obj({ type: lit('call.setCamera'), ...byCall, cameraOn: bool }),
  'call.signal': obj({ type: lit('call.signal'), ...byCall, signal: callSignal }),
  ...vaultRequestSchemas,
}

/** Every request type, in table order (for UIs and tests that enumerate them). */
export const CLIENT_REQUEST_TYPES = Object.keys(requestSchemas) as ClientRequestType[]

const clientRequest = tagged<ClientRequest, 'type'>('type', requestSchemas)

// Results -------------------------------------------------------------------------------------

const empty = obj<Record<never, never>>({})
const withContact = obj({ contact: contactSummary })
const withTransfer = obj({ transfer: fileTransfer })
const withCall = obj({ call: callInfo })

const resultSchemas: { [K in ClientRequestType]: Schema<ResultFor<K>> } = {
  'identity.status': identityStatus,
  'identity.create': identityStatus,
  'connectivity.status': connectivity,
  'connectivity.retryRelay': connectivity,
  'conversations.list': obj({ conversations: list(conversationSummary, L.conversationsMax) }),
  'messages.page': obj({
    messages: list(chatMessage, L.pageMaxMessages),
    olderCursor: nullable(cursor),
  }),
  'messages.send': obj({ message: chatMessage }),
  'messages.retry': obj({ message: chatMessage }),
  'messages.markRead': obj({ unreadCount: count }),
  'invite.mine': invite,
  'invite.renew': invite,
  'invite.accept': obj({ contact: contactSummary, created: bool }),
  'contact.info': contactInfo,
  'contact.verify': withContact,
  'contact.acceptNewKey': withContact,
  'contact.keepOldKey': withContact,
  'contact.allowNewKeys': withContact,
  'contact.rename': withContact,
  'contact.setBlocked': withContact,
  'contact.delete': empty,
  'settings.get': settings,
  'settings.update': settings,
  'settings.addRelay': settings,
  'settings.removeRelay': settings,
  'transfers.list': obj({ transfers: list(fileTransfer, L.transfersMax) }),
  'transfer.offer': withTransfer,
  'transfer.accept': withTransfer,
  'transfer.decline': withTransfer,
  'transfer.pause': withTransfer,
  'transfer.resume': withTransfer,
  'transfer.cancel': withTransfer,
  'call.current': obj({ call: nullable(callInfo) }),
  'call.start': withCall,
  'call.accept': withCall,
  'call.decline': withCall,
  'call.hangUp': withCall,
  'call.setMuted': withCall,
  'call.setCamera': withCall,
  'call.signal': empty,
  ...vaultResultSchemas,
}

// Events --------------------------------------------------------------------------------------

const clientEvent = tagged<ClientEvent, 'type'>('type', {
  'identity.changed': obj({ type: lit('identity.changed'), identity: identityStatus }),
  'connectivity.changed': obj({ type: lit('connectivity.changed'), connectivity }),
  'conversation.updated': obj({
    type: lit('conversation.updated'),
    conversation: conversationSummary,
  }),
  'conversation.removed': obj({ type: lit('conversation.removed'), conversationId: id }),
  'message.added': obj({ type: lit('message.added'), message: chatMessage }),
  'message.updated': obj({ type: lit('message.updated'), message: chatMessage }),
  'contact.updated': obj({ type: lit('contact.updated'), contact: contactSummary }),
  'settings.changed': obj({ type: lit('settings.changed'), settings }),
  'transfer.updated': obj({ type: lit('transfer.updated'), transfer: fileTransfer }),
  'call.updated': obj({ type: lit('call.updated'), call: callInfo }),
  'call.signal': obj({ type: lit('call.signal'), callId: id, signal: callSignal }),
  'vault.changed': obj({ type: lit('vault.changed'), vault: vaultStatus }),
})

// Entry points --------------------------------------------------------------------------------

/** Checks a request from another context; returns it rebuilt from known keys only. */
export function parseClientRequest(value: unknown): ClientRequest {
  return clientRequest(value, 'request')
}

/** Checks an event from another context. */
export function parseClientEvent(value: unknown): ClientEvent {
  return clientEvent(value, 'event')
}

const failure = obj<ClientFailure>({ ok: exactly(false), error: errorBody })

/** Checks the response to a request of type `type`. */
export function parseClientResponse<K extends ClientRequestType>(
  type: K,
  value: unknown,
  path = 'response',
): ClientResponse<ResultFor<K>> {
  const result: Schema<ResultFor<K>> = resultSchemas[type]
  const okFlag = isObject(value) ? value['ok'] : undefined
  if (okFlag === true)
    return obj<ClientSuccess<ResultFor<K>>>({ ok: exactly(true), value: result })(value, path)
  if (okFlag === false) return failure(value, path)
  throw new InvalidClientMessageError(`${path}.ok`, 'expected true or false')
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

const portId = int(0, Number.MAX_SAFE_INTEGER)

/** On the node side: a message from a UI page must be a request envelope. */
export function parsePortMessageFromClient(
  value: unknown,
): Extract<ClientPortMessage, { kind: 'request' }> {
  return obj<Extract<ClientPortMessage, { kind: 'request' }>>({
    kind: lit('request'),
    id: portId,
    request: parseClientRequestAt,
  })(value, 'message')
}

/**
 * On the UI side: a response (checked against the type of the pending request with that id) or an
 * event. A response for an id that is not pending is rejected.
 */
export function parsePortMessageFromNode(
  value: unknown,
  pendingType: (id: number) => ClientRequestType | undefined,
): Exclude<ClientPortMessage, { kind: 'request' }> {
  const kind = isObject(value) ? value['kind'] : undefined
  if (kind === 'event') {
    return obj<Extract<ClientPortMessage, { kind: 'event' }>>({
      kind: lit('event'),
      event: (v, p) => clientEvent(v, p),
    })(value, 'message')
  }
  if (kind === 'response') {
    const idValue = portId(isObject(value) ? value['id'] : undefined, 'message.id')
    const type = pendingType(idValue)
    if (type === undefined)
      throw new InvalidClientMessageError('message.id', `no request ${idValue} is pending`)
    return obj<Extract<ClientPortMessage, { kind: 'response' }>>({
      kind: lit('response'),
      id: portId,
      response: (v, p) => parseClientResponse(type, v, p),
    })(value, 'message')
  }
  throw new InvalidClientMessageError('message.kind', 'expected "request", "response" or "event"')
}

function parseClientRequestAt(value: unknown, path: string): ClientRequest {
  return clientRequest(value, path)
}
