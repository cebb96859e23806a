/**
 * The messenger node (issue 5): invites, contacts and trust, sessions, direct chat over
 * `/hestia/chat/1.0.0`, mailbox fallback, the durable outbox, and the client API served from it.
 * Protocol: docs/protocol/messaging.md. Hosts call createMessengerService (service.ts).
 */
export { createMessengerService } from './service.ts'
export type { MessengerService, MessengerServiceOptions, MessengerNode } from './service.ts'
export { Messenger, type MessengerOptions, type MessengerParts } from './messenger.ts'
export type { MessengerNotifier } from './context.ts'
export type { MessengerNet } from './net.ts'
export type { CreateMailboxNode, MailboxNode } from './mailbox-links.ts'
export { createInviteLink, decodeInvite, type InviteFields, type VerifiedInvite } from './invite.ts'
export {
  encodePayload,
  decodePayload,
  FILE_BODY_CAPS,
  type Payload,
  type PayloadBody,
  type FilePayloadBody,
} from './payload.ts'
export { MessengerFiles, FILES_TIMING, type MessengerFilesOptions } from './files.ts'
export { sendDirect, serveChatStream, DirectSendError } from './chat-protocol.ts'
export { createLocalIdentity, loadLocalIdentity } from './identity.ts'
export { encodeSecrets, decodeSecrets, type LocalSecrets } from './secrets.ts'
export {
  CHAT_PROTOCOL,
  INVITE_LINK_PREFIX,
  MESSENGER_LIMITS,
  MESSENGER_TIMING,
  DIRECT_ACK,
} from './limits.ts'
export type { Route } from './outbox.ts'
export { decodeOutbound } from './records.ts'
