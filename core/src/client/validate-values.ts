/**
 * The schemas of the client API's values (ids, names, contacts, messages, transfers, calls, …)
 * that requests, results and events are built from (validate.ts), and the tolerant list schema
 * that drops and counts a bad item instead of refusing a whole answer.
 */
import {
  CALL_END_REASONS,
  CALL_MEDIA,
  CALL_OUTCOMES,
  CALL_STATES,
  CLIENT_ERROR_CODES,
  CLIENT_LIMITS as L,
  DELIVERY_STATES,
  IDENTITY_ROLES,
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
  Settings,
  SettingsPatch,
  StagedFile,
  TransferProgress,
} from './api.ts'
import {
  InvalidClientMessageError,
  arr,
  bool,
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
import {} from './api/vault-schema.ts'

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
export function list<T>(item: Schema<T>, maxItems: number): Schema<T[]> {
  return tolerantArr(item, maxItems, dropItem)
}

// Scalars -------------------------------------------------------------------------------------

export const id = str(L.idMaxChars, 1)
const time = int(0, 8.64e15) // the ECMAScript Date range
export const count = int(0, Number.MAX_SAFE_INTEGER)
export const displayName = str(L.displayNameMaxChars, 1)
/** The tag shown after a confusable name (core/src/text/confusable.ts nameTagFor). */
const nameTag = str(8, 1)
export const relayAddress = str(L.relayAddressMaxChars, 1)
export const cursor = str(L.cursorMaxChars, 1)
const fileSize = int(0, L.fileSizeMax)

export const errorBody = obj<ClientErrorBody>({
  code: oneOf(CLIENT_ERROR_CODES),
  message: str(L.errorMessageMaxChars),
  // relay_busy's wait: whole seconds, at most a day (the node clamps to that, failRelayBusy).
  retryAfterSeconds: opt(int(1, 86_400)),
})

// Shared values -------------------------------------------------------------------------------

export const identityStatus = tagged<IdentityStatus, 'state'>('state', {
  none: obj({ state: lit('none') }),
  ready: obj({
    state: lit('ready'),
    displayName,
    fingerprint: str(L.idMaxChars),
    createdAt: time,
    replaced: opt(obj({ at: time, byDeviceId: str(L.idMaxChars, 1) })),
    role: opt(oneOf(IDENTITY_ROLES)),
  }),
})

const relayStatus = obj<RelayStatus>({
  address: relayAddress,
  state: oneOf(RELAY_STATES),
  reserved: bool,
  mailboxReady: bool,
  mailboxVia: opt(relayAddress),
  rttMs: nullable(num(0, 3_600_000)),
  error: nullable(str(L.errorMessageMaxChars)),
  since: time,
})

export const connectivity = obj<ConnectivityStatus>({
  nodeRunning: bool,
  relays: arr(relayStatus, L.relaysMax),
  directPeers: count,
})

export const contactSummary = obj<ContactSummary>({
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
    declinedOn: opt(displayName),
  }),
  system: obj({ kind: lit('system'), event: oneOf(SYSTEM_EVENTS) }),
})

export const chatMessage = obj<ChatMessage>({
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

export const conversationSummary = obj<ConversationSummary>({
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

export const contactInfo = obj<ContactInfo>({
  contact: contactSummary,
  safetyNumber,
  myVerificationQr: str(L.verificationPayloadMaxChars, 1),
  devices: list(contactDevice, L.devicesMax),
  addedAt: time,
  keyChangedAt: nullable(time),
  relays: arr(relayAddress, L.relaysMax),
  refusedKeys: count,
})

export const invite = obj<Invite>({
  link: str(L.inviteMaxChars, 1),
  qrPayload: str(L.inviteMaxChars, 1),
  expiresAt: time,
})

export const settings = obj<Settings>({
  relays: arr(relayAddress, L.relaysMax),
  notifications: obj({ enabled: bool, showNames: bool }),
  readReceipts: bool,
  delayReceipts: bool,
  relayOnly: bool,
})

export const settingsPatch = obj<SettingsPatch>({
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

export const fileTransfer = obj<FileTransfer>({
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
  takenBy: opt(displayName),
  declinedOn: opt(displayName),
})

export const stagedFile = obj<StagedFile>({
  stagedFileId: id,
  name: str(L.fileNameMaxChars, 1),
  size: fileSize,
  mimeType: str(L.mimeTypeMaxChars),
})

export const callInfo = obj<CallInfo>({
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

export const callSignal = tagged<CallSignal, 'kind'>('kind', {
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
