/**
 * The inbox's first step: which session opens an incoming frame. Every session of the contact is
 * tried, newest first; a PQXDH initial frame nobody knows starts a new one (in an invite mailbox
 * only with the invite's reserved one-time prekey). Reads the store, writes nothing.
 */
import { decodeSessionFrame } from '../crypto/codecs.ts'
import type { DeviceCertificate } from '../crypto/identity.ts'
import { acceptSession } from '../crypto/pqxdh.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import type { DecryptedMessage, Session } from '../crypto/session.ts'
import type { ContactRecord, SessionRecord } from '../store/records.ts'
import { ProtocolError, isProtocolError } from '../wire/errors.ts'
import type { MessengerContext } from './context.ts'
import type { InviteMailbox } from './invite-lifecycle.ts'
import { TRUST_LIMITS } from './limits.ts'
import { restoreSession } from './records.ts'

export interface Decrypted {
  session: Session
  message: DecryptedMessage
  /** The stored session that opened the frame (undefined when the frame started a new one). */
  previous: SessionRecord | undefined
  /** Set when the frame started a new session. */
  accepted?: AcceptedSession
}

export interface AcceptedSession {
  oneTimePrekeyId: number | undefined
  certificate: Uint8Array
  certExpiresAt: number
  cert: DeviceCertificate
}

/**
 * Opens `frame` with one of `contact`'s sessions, or starts a session from its PQXDH header.
 * 'duplicate' when a session recognises the frame as one it already opened (a replay). Throws
 * ProtocolError when nothing opens it.
 */
export async function decryptFrame(
  ctx: MessengerContext,
  contact: ContactRecord | undefined,
  frame: Uint8Array,
  invite: InviteMailbox | undefined,
  /** The contact's sessions when the caller read them already (with the contact, ADR 0423). */
  stored?: SessionRecord[],
): Promise<Decrypted | 'duplicate'> {
  const initial = decodeSessionFrame(frame).kind === 'initial'
  const { store, platform } = ctx
  const sessions =
    stored ?? (contact === undefined ? [] : await store.listSessions(contact.contactId))
  sessions.sort((a, b) => b.updatedAt - a.updatedAt)
  let lastErr: unknown
  // Bounded (ADR 0721): the caps keep a contact's sessions below this anyway.
  for (const record of sessions.slice(0, TRUST_LIMITS.sessionsTriedPerFrame)) {
    let session: Session
    try {
      session = restoreSession(record, platform)
    } catch {
      continue
    }
    try {
      const message = session.decrypt(frame)
      return { session, message, previous: record }
    } catch (err) {
      if (isProtocolError(err, 'replay')) return 'duplicate'
      lastErr = err
    }
  }
  if (!initial) {
    if (isProtocolError(lastErr)) throw lastErr
    throw new ProtocolError('decrypt_failed', 'no session decrypts this frame')
  }
  return startSession(ctx, frame, invite)
}

function startSession(
  ctx: MessengerContext,
  frame: Uint8Array,
  invite: InviteMailbox | undefined,
): Decrypted {
  const secrets = ctx.secrets
  const accepted = acceptSession({
    local: ctx.local.device,
    frame,
    platform: ctx.platform,
    prekeys: (kind, id) =>
      // In an invite mailbox only the invite's reserved one-time prekey opens a session.
      invite !== undefined && kind === PREKEY_KIND.oneTimeX25519 && id !== invite.oneTimePrekeyId
        ? undefined
        : secrets.prekeys.find((p) => p.kind === kind && p.id === id),
  })
  if (invite !== undefined && accepted.usedPrekeys.oneTimePrekeyId !== invite.oneTimePrekeyId) {
    throw new ProtocolError(
      'unknown_key',
      'a session in an invite mailbox must use the invite’s one-time prekey',
    )
  }
  return {
    session: accepted.session,
    message: accepted.message,
    previous: undefined,
    accepted: {
      oneTimePrekeyId: accepted.usedPrekeys.oneTimePrekeyId,
      certificate: accepted.senderCert.bytes,
      certExpiresAt: accepted.senderCert.expiresAt,
      cert: accepted.senderCert,
    },
  }
}
