/**
 * Encodings of the opaque record fields the messenger owns: session state (JSON of the crypto
 * Session) and a contact's outbound mailbox (a Hello: relays, mailbox id, capability, sealing key).
 */
import { fromBase64Url, toBase64Url } from '../crypto/bytes.ts'
import { Session, type SessionState } from '../crypto/session.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import type { ContactRecord, SessionRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { decodeStrict } from '../wire/decode.ts'
import { ProtocolError } from '../wire/errors.ts'
import { MESSENGER_LIMITS } from './limits.ts'
import { Hello as HelloCodec } from './messenger.pb.js'
import { checkHello, type HelloBody } from './payload.ts'

const utf8 = new TextEncoder()

export function encodeSessionState(session: Session): Uint8Array {
  return utf8.encode(JSON.stringify(session.toJSON()))
}

export function restoreSession(record: SessionRecord, platform: CryptoPlatform): Session {
  let state: unknown
  try {
    state = JSON.parse(new TextDecoder().decode(record.state))
  } catch (err) {
    throw new ProtocolError('malformed', 'stored session: not JSON', { cause: err })
  }
  return Session.restore(state, platform)
}

export function sessionIdentityKey(record: SessionRecord): string | undefined {
  try {
    return (JSON.parse(new TextDecoder().decode(record.state)) as SessionState).remoteIdentityKey
  } catch {
    return undefined
  }
}

export function encodeOutbound(hello: HelloBody): Uint8Array {
  return HelloCodec.encode({
    displayName: '',
    relays: [...hello.relays],
    mailboxId: new Uint8Array(hello.mailboxId),
    mailboxCapability: new Uint8Array(hello.mailboxCapability),
    mailboxSealKey: new Uint8Array(hello.mailboxSealKey),
    reply: false,
  })
}

export function decodeOutbound(bytes: Uint8Array | null): HelloBody | null {
  if (bytes === null) return null
  return checkHello(
    decodeStrict(bytes, MESSENGER_LIMITS.inviteBytes, HelloCodec, 'outbound mailbox'),
  )
}

/** The newest session with a device of the identity we trust for `contact`. */
export async function activeSession(
  tx: StoreOperations,
  contact: ContactRecord,
): Promise<SessionRecord | undefined> {
  const key = toBase64Url(contact.identityPublicKey)
  // Devices with a route of their own (a contact's companions, ADR 0762) get copies, not this.
  const ownRoute = new Set(
    (await tx.listDevices(contact.contactId)).flatMap((d) => (d.route ? [d.deviceId] : [])),
  )
  const sessions = (await tx.listSessions(contact.contactId)).filter(
    (s) => sessionIdentityKey(s) === key && !ownRoute.has(s.deviceId),
  )
  sessions.sort((a, b) => b.updatedAt - a.updatedAt)
  return sessions[0]
}

export { fromBase64Url, toBase64Url }
