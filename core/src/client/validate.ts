/**
 * Runtime validators for client API messages arriving from another context: the node checks every
 * request, a UI checks every response and event. Malformed input throws InvalidClientMessageError
 * (code `invalid_request`); the dispatcher's error map (`failureFromError`, dispatch.ts) turns it into
 * the failure a node answers with.
 */
import { CALL_MEDIA, CLIENT_LIMITS as L } from './api.ts'
import type {
  ClientEvent,
  ClientFailure,
  ClientPortMessage,
  ClientRequest,
  ClientRequestType,
  ClientResponse,
  ClientSuccess,
  RequestFor,
  ResultFor,
} from './api.ts'
import {
  InvalidClientMessageError,
  bool,
  exactly,
  int,
  lit,
  nullable,
  obj,
  oneOf,
  str,
  tagged,
} from './schema.ts'
import type { Schema } from './schema.ts'
import { vaultRequestSchemas, vaultResultSchemas, vaultStatus } from './api/vault-schema.ts'
import { backupRequestSchemas, backupResultSchemas } from './api/backup-schema.ts'
import {
  devicesEventSchemas,
  devicesRequestSchemas,
  devicesResultSchemas,
} from './api/devices-schema.ts'
import {
  groupsEventSchemas,
  groupsRequestSchemas,
  groupsResultSchemas,
} from './api/groups-schema.ts'
import { callIceRequestSchemas, callIceResultSchemas } from './api/call-ice-schema.ts'
import {
  callInfo,
  callSignal,
  chatMessage,
  connectivity,
  contactInfo,
  contactSummary,
  conversationSummary,
  count,
  cursor,
  displayName,
  errorBody,
  fileTransfer,
  id,
  identityStatus,
  invite,
  list,
  relayAddress,
  settings,
  settingsPatch,
  stagedFile,
} from './validate-values.ts'

export { InvalidClientMessageError } from './schema.ts'
export { droppedListItems, type DroppedItems } from './validate-values.ts'

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
  'contact.rotateMailbox': obj({ type: lit('contact.rotateMailbox'), ...byContact }),
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
  ...backupRequestSchemas,
  ...devicesRequestSchemas,
  ...groupsRequestSchemas,
  ...callIceRequestSchemas,
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
  'contact.rotateMailbox': withContact,
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
  ...backupResultSchemas,
  ...devicesResultSchemas,
  ...groupsResultSchemas,
  ...callIceResultSchemas,
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
  ...devicesEventSchemas,
  ...groupsEventSchemas,
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
