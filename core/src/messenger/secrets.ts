/**
 * Our device's private state, kept in IdentityRecord.secretKeys (opaque to the store): identity and
 * device keys, the libp2p key, the root secret our mailboxes' keys derive from, prekey secrets and
 * pending invites. Encoded as versioned JSON with bytes as base64url; decodeSecrets returns a value
 * or throws ProtocolError('malformed').
 *
 * Mailbox keys are derived (ADR 0702): for a mailbox id M, auth key, capability and sealing key are
 * HKDF-SHA-256(root, salt = M, info = "hestia/v1/mailbox-keys/<part>"), so the store only needs the
 * mailbox id per contact (ContactRecord.inboundMailboxId) and nothing else to fetch and open it.
 */
import { fromBase64Url, toBase64Url } from '../crypto/bytes.ts'
import type { KeyPair } from '../crypto/primitives.ts'
import { hkdfSha256, x25519KeyPair } from '../crypto/primitives.ts'
import type { PrekeySecret } from '../crypto/prekeys.ts'
import { publicKeyFromSecret } from '../mailbox/auth.ts'
import type { MailboxCredentials } from '../mailbox/client.ts'
import { ProtocolError } from '../wire/errors.ts'
import { labelBytes } from '../wire/labels.ts'
import { MESSENGER_DOMAIN } from './labels.ts'

export const SECRETS_VERSION = 1

/**
 * An invite we handed out whose mailbox is still open at the relay (invite-lifecycle.ts): pending
 * (nobody used it yet), bound (used; kept until the contact has moved to the fresh mailbox, then
 * closed) or withdrawn (`invite.renew`; kept until the relay confirmed the close).
 */
export interface PendingInvite {
  /** base64url mailbox id opened for the invitee. */
  mailboxId: string
  link: string
  expiresAt: number
  oneTimePrekeyId: number
  /** When we made it (absent in invites made before 2026-12: expiresAt − lifetime). */
  createdAt?: number
  /** The contact this invite created or re-introduced; the invite is used. */
  boundContactId?: string
  /** Withdrawn by the user; its mailbox is closed at the relay on the next keeper pass. */
  withdrawn?: boolean
}

/** A history transfer's place, kept across restarts of the sending device (ADR 0790). */
export interface HistoryResume {
  deviceId: string
  /** The cut-off: what was stored when the user started it. */
  until: number
  /** Chunks acknowledged in order, the texts in them, and the plan's place after them. */
  base: number
  messages: number
  cursor: { conversationId: string; before: { receivedAt: number; messageId: string } } | null
  /** The chunk count shown (an estimate, never below `base`). */
  chunks: number
}

export interface LocalSecrets {
  version: typeof SECRETS_VERSION
  /** Empty on a companion (`companion: true`): only the primary holds it (ADR 0760). */
  identitySecret: Uint8Array
  /**
   * This device was linked to an identity whose primary holds the identity key (ADR 0762): its
   * certificate and prekeys came signed in the link grant; it signs nothing with the identity.
   */
  companion?: true
  /** base64url id of our own-devices mailbox (devices/own-channel.ts), once opened. */
  ownMailbox?: string
  /** The links with our other devices: the primary holds one per companion, a companion one. */
  ownLinks?: OwnLink[]
  /**
   * The person-wide settings our own devices last agreed on (issue 19, ADR 0785): the stamp and
   * the flags of devices/sync-state.ts. Absent before the first sync.
   */
  personalSync?: { stamp: number; flags: number; pending?: boolean }
  /**
   * A companion asked its primary to sign fresh prekeys (devices/refresh-link.ts, ADR 0786): the
   * secret halves wait here for the grant; asked again after a while if none came.
   */
  pendingRefresh?: { signedPrekey: KeyPair; pqPrekey: KeyPair; askedAt: number }
  /**
   * Contacts deleted on one of our devices (devices/sync-delete.ts, ADR 0785): the identity key
   * and the delete's stamp, so an older state cannot bring the contact back; `pending` until
   * every linked device was told. The newest few hundred are kept.
   */
  deletedContacts?: { key: Uint8Array; stamp: number; pending?: boolean }[]
  /**
   * Where each history transfer we send stands (devices/history-send.ts, ADR 0790): sending again
   * after this device restarted goes on from there. Removed once that transfer is done.
   */
  historyOut?: HistoryResume[]
  device: KeyPair
  /** libp2p private key, protobuf-encoded (@libp2p/crypto privateKeyToProtobuf). */
  libp2pKey: Uint8Array
  mailboxRoot: Uint8Array
  prekeys: PrekeySecret[]
  nextPrekeyId: number
  invites: PendingInvite[]
  /** This device was restored from a backup (ADR 0524): what it still owes the device it replaced. */
  restoredFrom?: RestoredFrom
  /**
   * A backup of this identity was restored on another device, which replaced this one (its signed
   * notice arrived, ADR 0524): contacts no longer read what this device sends.
   */
  replaced?: { at: number; byDeviceId: string }
}

/**
 * The device a restore replaced: its id (named in our Hellos so contacts drop its sessions), and
 * its mailboxes (keys derive from its old root, ADR 0702) where the signed notice is left for it.
 */
export interface RestoredFrom {
  deviceId: string
  mailboxRoot: Uint8Array
  /** base64url mailbox ids of the old device's contact mailboxes, on `relay`. */
  mailboxIds: string[]
  /** Its home relay at backup time (null: ours). */
  relay: string | null
  restoredAt: number
  /** Every contact has been sent our Hello (session re-established, or queued for it). */
  hellosQueued: boolean
  /** The notice reached every old mailbox (or the relay no longer has it). */
  noticeDelivered: boolean
}

/** One primary–companion pair (ADR 0762): the shared key and the other end's own mailbox. */
export interface OwnLink {
  /** The other device's PeerId string. */
  deviceId: string
  /** 32 B, made by the primary at link time (devices/own-frames.ts). */
  key: Uint8Array
  /** Its own-devices mailbox (records.ts encodeOutbound); absent until it announced it. */
  route?: Uint8Array
  /**
   * Primary: the device was removed but not told yet (no mailbox announced, or the deposit
   * failed). Nothing else is sent over it; it is told when it announces its mailbox or at the
   * next start, then forgotten.
   */
  removed?: true
}

const BYTES_TAG = '$b'

export function encodeSecrets(s: LocalSecrets): Uint8Array {
  const json = JSON.stringify(s, (_key, value: unknown) =>
    value instanceof Uint8Array ? { [BYTES_TAG]: toBase64Url(value) } : value,
  )
  return new TextEncoder().encode(json)
}

export function decodeSecrets(bytes: Uint8Array): LocalSecrets {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes), (_k, v: unknown) =>
      v !== null && typeof v === 'object' && BYTES_TAG in v
        ? fromBase64Url(String((v as Record<string, unknown>)[BYTES_TAG]))
        : v,
    )
  } catch (err) {
    throw new ProtocolError('malformed', 'stored secrets: not readable', { cause: err })
  }
  const s = value as Partial<LocalSecrets> | null
  if (
    s === null ||
    s.version !== SECRETS_VERSION ||
    !(s.identitySecret instanceof Uint8Array) ||
    !(s.libp2pKey instanceof Uint8Array) ||
    !(s.mailboxRoot instanceof Uint8Array) ||
    !Array.isArray(s.prekeys) ||
    !Array.isArray(s.invites)
  ) {
    throw new ProtocolError('malformed', 'stored secrets: unexpected shape or version')
  }
  return s as LocalSecrets
}

function derive(root: Uint8Array, mailboxId: Uint8Array, part: string, length = 32): Uint8Array {
  return hkdfSha256(root, mailboxId, labelBytes(`${MESSENGER_DOMAIN.mailboxKeys}/${part}`), length)
}

/** Everything we need to own mailbox `mailboxId`: auth credentials and the sealing key pair. */
export interface OwnedMailbox {
  credentials: MailboxCredentials
  seal: KeyPair
}

export function ownedMailbox(root: Uint8Array, mailboxId: Uint8Array): OwnedMailbox {
  const authSecretKey = derive(root, mailboxId, 'auth')
  const sealSeed = derive(root, mailboxId, 'seal')
  return {
    credentials: {
      mailboxId: new Uint8Array(mailboxId),
      authSecretKey,
      authPublicKey: publicKeyFromSecret(authSecretKey),
      capability: derive(root, mailboxId, 'capability'),
    },
    seal: x25519KeyPair(() => sealSeed),
  }
}
