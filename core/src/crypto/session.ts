/**
 * A 1:1 Double Ratchet session (signal.org/docs/specifications/doubleratchet §3), started by PQXDH
 * (pqxdh.ts). State is plain JSON-able data (base64url strings), so the messenger stores it
 * anywhere and resumes after a restart with Session.restore().
 *
 * Every decrypt works on a draft copy of the state and commits only on success (§3.5: a failed
 * decryption leaves the state unchanged). Skipped message keys are capped per chain and in total
 * (§6.4, limits.ts); each message key is used once; message ids inside the ciphertext are deduped.
 */
import { ProtocolError } from '../wire/errors.ts'
import { fromBase64Url as b, toBase64Url as s } from './bytes.ts'
import {
  decodeMessagePlaintext,
  decodeSessionFrame,
  encodeHeaderForAd,
  encodeMessagePlaintext,
  encodeSessionFrame,
  MESSAGE_ID_BYTES,
  type InitialFrame,
  type RatchetFrame,
} from './codecs.ts'
import { concatBytes } from './bytes.ts'
import { LIMITS } from './limits.ts'
import type { CryptoPlatform } from './platform.ts'
import { sha256, x25519Dh, x25519KeyPair } from './primitives.ts'
import { kdfChain, kdfRoot, ratchetDecrypt, ratchetEncrypt } from './ratchet-kdf.ts'

export const SESSION_STATE_VERSION = 1

/** What the initiator repeats in every message until the responder has answered (PQXDH §3.3). */
export interface PendingInitial {
  senderCert: string
  ephemeralKey: string
  kemCiphertext: string
  signedPrekeyId: number
  pqPrekeyId: number
  oneTimePrekeyId?: number
}

/** Serialized session: JSON-able, every byte string base64url. */
export interface SessionState {
  version: typeof SESSION_STATE_VERSION
  role: 'initiator' | 'responder'
  localIdentityKey: string
  remoteIdentityKey: string
  remoteDeviceKey: string
  remotePeerId: string
  /** Associated data prefix (PQXDH §3.3 AD, domain-labelled). */
  ad: string
  rootKey: string
  dhSelf: { publicKey: string; secretKey: string }
  dhRemote: string | null
  sendChain: { key: string; n: number } | null
  recvChain: { key: string; n: number } | null
  /** PN: messages in the previous sending chain. */
  previousSendCount: number
  /** Skipped message keys, oldest first (§3.2 MKSKIPPED). */
  skipped: { dh: string; n: number; mk: string }[]
  /** Recently seen message ids, oldest first. */
  seenMessageIds: string[]
  pendingInitial: PendingInitial | null
  /** Responder: digest of the accepted PQXDH header, to accept exact repeats of it. */
  initialHeaderDigest: string | null
}

export interface DecryptedMessage {
  body: Uint8Array
  /** 16 random bytes chosen by the sender; dedupe on it. */
  messageId: Uint8Array
  /** Sender's clock, ms. */
  sentAt: number
}

export interface EncryptedMessage {
  frame: Uint8Array
  messageId: Uint8Array
}

/** Misuse of a session by our own code (not peer input). */
export class SessionUsageError extends Error {
  override readonly name = 'SessionUsageError'
  readonly code = 'cannot_send_yet'
}

export class Session {
  #state: SessionState
  readonly #platform: CryptoPlatform
  /** Index over state.seenMessageIds (kept in step with it) so dedupe is O(1). */
  readonly #seen: Set<string>

  /** Use initiateSession/acceptSession (pqxdh.ts) or Session.restore. */
  constructor(state: SessionState, platform: CryptoPlatform) {
    this.#state = state
    this.#platform = platform
    this.#seen = new Set(state.seenMessageIds)
  }

  /** Resumes a session from toJSON() output. Throws ProtocolError('malformed') on a bad shape. */
  static restore(state: unknown, platform: CryptoPlatform): Session {
    return new Session(checkState(state), platform)
  }

  /** A deep, JSON-able copy of the state. */
  toJSON(): SessionState {
    return JSON.parse(JSON.stringify(this.#state)) as SessionState
  }

  get remoteIdentityKey(): Uint8Array {
    return b(this.#state.remoteIdentityKey)
  }

  get remoteDeviceKey(): Uint8Array {
    return b(this.#state.remoteDeviceKey)
  }

  get remotePeerId(): Uint8Array {
    return b(this.#state.remotePeerId)
  }

  /** True while the initiator has not yet heard back (its frames still carry the PQXDH header). */
  get awaitingReply(): boolean {
    return this.#state.pendingInitial !== null
  }

  /** Encrypts `body` (DR §3.4 RatchetEncrypt) into a session frame. */
  encrypt(body: Uint8Array): EncryptedMessage {
    if (body.length > LIMITS.maxMessageBodyBytes) {
      throw new RangeError(`message body exceeds ${LIMITS.maxMessageBodyBytes} bytes`)
    }
    const draft = cloneState(this.#state)
    const send = draft.sendChain
    if (send === null) {
      throw new SessionUsageError(
        'a responder session cannot send before it has received a message',
      )
    }
    const [mk, nextCk] = kdfChain(b(send.key))
    const header = {
      dhKey: b(draft.dhSelf.publicKey),
      previousChainLength: draft.previousSendCount,
      counter: send.n,
    }
    draft.sendChain = { key: s(nextCk), n: send.n + 1 }
    const messageId = this.#platform.random(MESSAGE_ID_BYTES)
    const plaintext = encodeMessagePlaintext({ messageId, sentAt: this.#platform.clock(), body })
    const ad = concatBytes(b(draft.ad), encodeHeaderForAd(header))
    const ratchet: RatchetFrame = { ...header, ciphertext: ratchetEncrypt(mk, plaintext, ad) }
    const p = draft.pendingInitial
    const frame =
      p === null
        ? encodeSessionFrame({ kind: 'ratchet', ratchet })
        : encodeSessionFrame({
            kind: 'initial',
            initial: {
              senderCert: b(p.senderCert),
              ephemeralKey: b(p.ephemeralKey),
              kemCiphertext: b(p.kemCiphertext),
              signedPrekeyId: p.signedPrekeyId,
              pqPrekeyId: p.pqPrekeyId,
              ...(p.oneTimePrekeyId !== undefined ? { oneTimePrekeyId: p.oneTimePrekeyId } : {}),
              message: ratchet,
            },
          })
    this.#state = draft
    return { frame, messageId }
  }

  /**
   * Decrypts a session frame (DR §3.5 RatchetDecrypt). Throws ProtocolError and leaves the state
   * unchanged on any failure: 'malformed', 'decrypt_failed', 'replay', 'limit_exceeded',
   * 'expired' (stale timestamp), 'not_yet_valid', 'unknown_key' (initial frame of another session).
   */
  decrypt(frame: Uint8Array): DecryptedMessage {
    const decoded = decodeSessionFrame(frame)
    let ratchet: RatchetFrame
    if (decoded.kind === 'initial') {
      if (this.#state.initialHeaderDigest !== s(initialHeaderDigest(decoded.initial))) {
        throw new ProtocolError(
          'unknown_key',
          'initial message of a different session: start it with acceptSession',
        )
      }
      ratchet = decoded.initial.message
    } else {
      ratchet = decoded.ratchet
    }
    const draft = cloneState(this.#state)
    const message = decryptInto(draft, ratchet, this.#platform, this.#seen)
    const evicted = this.#state.seenMessageIds.length === LIMITS.maxSeenMessageIds
    if (evicted) this.#seen.delete(this.#state.seenMessageIds[0]!)
    this.#seen.add(s(message.messageId))
    this.#state = draft
    return message
  }
}

/**
 * SHA-256 over every PQXDH header field of an initial frame (not the ratchet message), so a repeat
 * of the initial frame is accepted only if its header is bit-for-bit the one the session began with.
 */
export function initialHeaderDigest(init: InitialFrame): Uint8Array {
  const ids = new Uint8Array(13)
  const view = new DataView(ids.buffer)
  view.setUint32(0, init.signedPrekeyId, false)
  view.setUint32(4, init.pqPrekeyId, false)
  ids[8] = init.oneTimePrekeyId === undefined ? 0 : 1
  view.setUint32(9, init.oneTimePrekeyId ?? 0, false)
  return sha256(concatBytes(init.ephemeralKey, init.kemCiphertext, ids, init.senderCert))
}

/** Decrypts into `draft` (mutating it); the caller commits the draft only if this returns. */
export function decryptInto(
  draft: SessionState,
  frame: RatchetFrame,
  platform: CryptoPlatform,
  seen?: ReadonlySet<string>,
): DecryptedMessage {
  const dh = s(frame.dhKey)
  let mk: Uint8Array | undefined
  const skippedIndex = draft.skipped.findIndex((e) => e.dh === dh && e.n === frame.counter)
  if (skippedIndex >= 0) {
    // §3.5 TrySkippedMessageKeys; the key is deleted so it is used once.
    mk = b(draft.skipped[skippedIndex]!.mk)
    draft.skipped.splice(skippedIndex, 1)
  } else {
    if (dh !== draft.dhRemote) {
      skipMessageKeys(draft, frame.previousChainLength)
      dhRatchet(draft, frame.dhKey, platform)
    } else if (draft.recvChain !== null && frame.counter < draft.recvChain.n) {
      throw new ProtocolError('replay', 'message key already used (duplicate or replayed message)')
    }
    skipMessageKeys(draft, frame.counter)
    const recv = draft.recvChain
    if (recv === null) throw new ProtocolError('malformed', 'no receiving chain')
    const [key, nextCk] = kdfChain(b(recv.key))
    mk = key
    draft.recvChain = { key: s(nextCk), n: recv.n + 1 }
  }
  const ad = concatBytes(b(draft.ad), encodeHeaderForAd(frame))
  const plaintext = ratchetDecrypt(mk, frame.ciphertext, ad)
  const msg = decodeMessagePlaintext(plaintext)
  const id = s(msg.messageId)
  if (seen ? seen.has(id) : draft.seenMessageIds.includes(id)) {
    throw new ProtocolError('replay', 'message id seen before (duplicate delivery)')
  }
  const now = platform.clock()
  if (msg.sentAt < now - LIMITS.maxMessageAgeMs) {
    throw new ProtocolError('expired', 'message is older than the maximum message age')
  }
  if (msg.sentAt > now + LIMITS.maxClockSkewMs) {
    throw new ProtocolError('not_yet_valid', 'message is dated in the future; check the clocks')
  }
  draft.seenMessageIds.push(id)
  if (draft.seenMessageIds.length > LIMITS.maxSeenMessageIds) draft.seenMessageIds.shift()
  // Any authentic message from the responder proves it has the session: stop repeating PQXDH.
  draft.pendingInitial = null
  return { body: msg.body, messageId: msg.messageId, sentAt: msg.sentAt }
}

/** §3.5 SkipMessageKeys, with the per-chain cap and the total cap (oldest keys dropped first). */
function skipMessageKeys(draft: SessionState, until: number): void {
  const recv = draft.recvChain
  if (recv === null || draft.dhRemote === null) return
  if (until - recv.n > LIMITS.maxSkipPerChain) {
    throw new ProtocolError(
      'limit_exceeded',
      `message would skip ${until - recv.n} keys (cap ${LIMITS.maxSkipPerChain})`,
    )
  }
  let ck = b(recv.key)
  let n = recv.n
  while (n < until) {
    const [mk, next] = kdfChain(ck)
    draft.skipped.push({ dh: draft.dhRemote, n, mk: s(mk) })
    ck = next
    n++
  }
  draft.recvChain = { key: s(ck), n }
  const excess = draft.skipped.length - LIMITS.maxStoredSkippedKeys
  if (excess > 0) draft.skipped.splice(0, excess)
}

/** §3.5 DHRatchet: new receiving chain from their key, new key pair and sending chain. */
function dhRatchet(draft: SessionState, remoteKey: Uint8Array, platform: CryptoPlatform): void {
  draft.previousSendCount = draft.sendChain?.n ?? 0
  draft.dhRemote = s(remoteKey)
  const [rk1, ckr] = kdfRoot(b(draft.rootKey), x25519Dh(b(draft.dhSelf.secretKey), remoteKey))
  draft.recvChain = { key: s(ckr), n: 0 }
  const pair = x25519KeyPair(platform.random)
  draft.dhSelf = { publicKey: s(pair.publicKey), secretKey: s(pair.secretKey) }
  const [rk2, cks] = kdfRoot(rk1, x25519Dh(pair.secretKey, remoteKey))
  draft.rootKey = s(rk2)
  draft.sendChain = { key: s(cks), n: 0 }
}

function cloneState(st: SessionState): SessionState {
  return {
    ...st,
    dhSelf: { ...st.dhSelf },
    sendChain: st.sendChain && { ...st.sendChain },
    recvChain: st.recvChain && { ...st.recvChain },
    skipped: st.skipped.slice(),
    seenMessageIds: st.seenMessageIds.slice(),
    pendingInitial: st.pendingInitial && { ...st.pendingInitial },
  }
}

// --- restore-time shape check: stored state is input too ---

function fail(what: string): never {
  throw new ProtocolError('malformed', `session state: ${what}`)
}

function isB64(v: unknown, len?: number): v is string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]*$/.test(v)) return false
  return len === undefined || v.length === Math.ceil((len * 4) / 3)
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0xffff_ffff
}

function checkState(v: unknown): SessionState {
  if (typeof v !== 'object' || v === null) fail('not an object')
  const st = v as Record<string, unknown>
  if (st.version !== SESSION_STATE_VERSION) {
    throw new ProtocolError('unsupported_version', 'session state from another version')
  }
  if (st.role !== 'initiator' && st.role !== 'responder') fail('role')
  for (const k of ['localIdentityKey', 'remoteIdentityKey', 'remoteDeviceKey', 'rootKey']) {
    if (!isB64(st[k], 32)) fail(k)
  }
  if (!isB64(st.remotePeerId) || !isB64(st.ad)) fail('remotePeerId/ad')
  const dhSelf = st.dhSelf as Record<string, unknown> | null
  if (typeof dhSelf !== 'object' || dhSelf === null) fail('dhSelf')
  if (!isB64(dhSelf.publicKey, 32) || !isB64(dhSelf.secretKey, 32)) fail('dhSelf keys')
  if (st.dhRemote !== null && !isB64(st.dhRemote, 32)) fail('dhRemote')
  for (const k of ['sendChain', 'recvChain']) {
    const c = st[k] as Record<string, unknown> | null
    if (c === null) continue
    if (typeof c !== 'object' || !isB64(c.key, 32) || !isCount(c.n)) fail(k)
  }
  if (!isCount(st.previousSendCount)) fail('previousSendCount')
  if (!Array.isArray(st.skipped) || st.skipped.length > LIMITS.maxStoredSkippedKeys) fail('skipped')
  for (const e of st.skipped as unknown[]) {
    const r = e as Record<string, unknown>
    if (
      typeof r !== 'object' ||
      r === null ||
      !isB64(r.dh, 32) ||
      !isCount(r.n) ||
      !isB64(r.mk, 32)
    ) {
      fail('skipped entry')
    }
  }
  if (!Array.isArray(st.seenMessageIds) || st.seenMessageIds.length > LIMITS.maxSeenMessageIds) {
    fail('seenMessageIds')
  }
  for (const id of st.seenMessageIds as unknown[])
    if (!isB64(id, MESSAGE_ID_BYTES)) fail('message id')
  if (st.pendingInitial !== null) {
    const p = st.pendingInitial as Record<string, unknown>
    if (
      typeof p !== 'object' ||
      !isB64(p.senderCert) ||
      !isB64(p.ephemeralKey, 32) ||
      !isB64(p.kemCiphertext)
    ) {
      fail('pendingInitial')
    }
    if (!isCount(p.signedPrekeyId) || !isCount(p.pqPrekeyId)) fail('pendingInitial ids')
    if (p.oneTimePrekeyId !== undefined && !isCount(p.oneTimePrekeyId)) fail('pendingInitial id')
  }
  if (st.initialHeaderDigest !== null && !isB64(st.initialHeaderDigest, 32))
    fail('initialHeaderDigest')
  return JSON.parse(JSON.stringify(v)) as SessionState
}
