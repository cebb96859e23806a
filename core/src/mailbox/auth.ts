/**
 * Mailbox-key signatures. A request that reads or changes a mailbox carries MailboxAuth: Ed25519
 * (RFC 8032, strict verification: no ZIP-215 leniency) over
 *   domainSeparated("hestia/v1/mailbox-fetch", op || mailbox_id || nonce || timestamp_ms u64be || body_hash)
 * where body_hash = SHA-256(domainSeparated("hestia/v1/mailbox-body", the request body encoded with
 * its auth field removed)). Binding the op and body means a signature for one ack cannot be replayed
 * as another request; the nonce and timestamp stop replays of the same request.
 */
import * as ed from '@noble/ed25519'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { domainSeparated } from '../wire/labels.ts'
import {
  AUTH_NONCE_BYTES,
  AUTH_PUBLIC_KEY_BYTES,
  AUTH_SIGNATURE_BYTES,
  AUTH_WINDOW_MS,
  MAILBOX_AUTH_LABEL,
  MAILBOX_BODY_LABEL,
  MAILBOX_CAPABILITY_LABEL,
  MAILBOX_ID_BYTES,
} from './constants.ts'
import { MailboxError } from './errors.ts'
import { ab } from './bytes.ts'
import type { MailboxAuth } from './mailbox.pb.js'

ed.hashes.sha512 = sha512

/** One byte per operation, signed, so signatures cannot cross operations. */
export const AUTH_OP = {
  create: 1,
  fetch: 2,
  ack: 3,
  subscribe: 4,
  publishPrekeys: 5,
  close: 6,
} as const
export type AuthOp = keyof typeof AUTH_OP

export function bodyHash(encodedBodyWithoutAuth: Uint8Array): Uint8Array {
  return sha256(domainSeparated(MAILBOX_BODY_LABEL, encodedBodyWithoutAuth))
}

/** The exact bytes that are signed. */
export function authSigningBytes(
  op: AuthOp,
  mailboxId: Uint8Array,
  nonce: Uint8Array,
  timestampMs: bigint,
  bodyDigest: Uint8Array,
): Uint8Array {
  const msg = new Uint8Array(1 + mailboxId.length + nonce.length + 8 + bodyDigest.length)
  let o = 0
  msg[o++] = AUTH_OP[op]
  msg.set(mailboxId, o)
  o += mailboxId.length
  msg.set(nonce, o)
  o += nonce.length
  new DataView(msg.buffer).setBigUint64(o, timestampMs)
  o += 8
  msg.set(bodyDigest, o)
  return domainSeparated(MAILBOX_AUTH_LABEL, msg)
}

export interface SignAuthInput {
  op: AuthOp
  mailboxId: Uint8Array
  secretKey: Uint8Array
  encodedBody: Uint8Array
  nowMs: number
  randomBytes: (n: number) => Uint8Array
}

export function signAuth(input: SignAuthInput): MailboxAuth {
  const nonce = input.randomBytes(AUTH_NONCE_BYTES)
  const timestampMs = BigInt(Math.floor(input.nowMs))
  const signature = ed.sign(
    authSigningBytes(input.op, input.mailboxId, nonce, timestampMs, bodyHash(input.encodedBody)),
    input.secretKey,
  )
  return { mailboxId: ab(input.mailboxId), nonce: ab(nonce), timestampMs, signature: ab(signature) }
}

/** Shape checks on a MailboxAuth from the wire; throws MailboxError('malformed'). */
export function checkAuthShape(auth: MailboxAuth | undefined): MailboxAuth {
  if (auth === undefined) throw new MailboxError('malformed', 'auth: missing')
  if (auth.mailboxId.length !== MAILBOX_ID_BYTES)
    throw new MailboxError('malformed', `auth.mailbox_id: must be ${MAILBOX_ID_BYTES} bytes`)
  if (auth.nonce.length !== AUTH_NONCE_BYTES)
    throw new MailboxError('malformed', `auth.nonce: must be ${AUTH_NONCE_BYTES} bytes`)
  if (auth.signature.length !== AUTH_SIGNATURE_BYTES)
    throw new MailboxError('malformed', `auth.signature: must be ${AUTH_SIGNATURE_BYTES} bytes`)
  return auth
}

/** Throws MailboxError('timestamp_out_of_window') outside now ± AUTH_WINDOW_MS. */
export function checkAuthTimestamp(auth: MailboxAuth, nowMs: number): void {
  const ts = Number(auth.timestampMs)
  if (!Number.isSafeInteger(ts) || Math.abs(ts - nowMs) > AUTH_WINDOW_MS) {
    throw new MailboxError('timestamp_out_of_window')
  }
}

/** An Ed25519 verifier: true only for a valid signature; never throws for bad input. */
export type Ed25519Verify = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean

/** RFC 8032 verification with noble's strict branch (no ZIP-215 leniency). Portable, slow (~3 ms). */
export const strictNobleVerify: Ed25519Verify = (signature, message, publicKey) => {
  try {
    return ed.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/**
 * Mailbox keys are checked once, at create: a canonical encoding (RFC 8032 §5.1.3, y < p) of a
 * point that is not of small order. With such a key any RFC 8032 verifier that checks S < L and
 * compares the encoded R (OpenSSL does both) gives strict, non-malleable results, so the relay can
 * use a fast native verifier. Throws MailboxError('malformed').
 */
export function checkAuthPublicKey(publicKey: Uint8Array): void {
  let ok = publicKey.length === AUTH_PUBLIC_KEY_BYTES
  if (ok) {
    try {
      ok = !ed.Point.fromBytes(publicKey, false).isSmallOrder()
    } catch {
      ok = false
    }
  }
  if (!ok) throw new MailboxError('malformed', 'auth_public_key: not a valid Ed25519 public key')
}

/** Verifies a request's mailbox-key signature; throws MailboxError('bad_signature'). */
export function verifyAuth(
  op: AuthOp,
  auth: MailboxAuth,
  publicKey: Uint8Array,
  encodedBody: Uint8Array,
  verify: Ed25519Verify = strictNobleVerify,
): void {
  if (publicKey.length !== AUTH_PUBLIC_KEY_BYTES) throw new MailboxError('bad_signature')
  const message = authSigningBytes(
    op,
    auth.mailboxId,
    auth.nonce,
    auth.timestampMs,
    bodyHash(encodedBody),
  )
  if (!verify(auth.signature, message, publicKey)) throw new MailboxError('bad_signature')
}

/** What the relay stores instead of the capability token. */
export function capabilityHash(capability: Uint8Array): Uint8Array {
  return sha256(domainSeparated(MAILBOX_CAPABILITY_LABEL, capability))
}

/** Constant-time equality for hashes of equal length. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  return ed.getPublicKey(secretKey)
}
