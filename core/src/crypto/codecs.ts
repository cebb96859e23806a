/**
 * Capped decoders for every crypto wire format: check the frame size, decode with the committed
 * protons codec, then check every field. Each returns a value or throws one ProtocolError.
 */
import {
  DeviceCert,
  DeviceCertBody,
  FileShare,
  MessagePlaintext,
  PrekeyBody,
  PrekeyBundle,
  SafetyQr,
  SessionFrame,
  type InitialMessage,
  type RatchetMessage,
  type SignedPrekey,
} from './crypto.pb.js'
import { decodeStrict, requireBytes, requireUint, requireVersion } from '../wire/decode.ts'
import { ProtocolError } from '../wire/errors.ts'
import { FRAME_CAPS } from '../wire/caps.ts'
import { CRYPTO_FORMAT_VERSION, LIMITS } from './limits.ts'
import {
  AEAD_TAG_BYTES,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  MLKEM768_CIPHERTEXT_BYTES,
  MLKEM768_PUBLIC_KEY_BYTES,
  X25519_KEY_BYTES,
} from './primitives.ts'

export const PREKEY_KIND = {
  signedX25519: 1,
  oneTimeX25519: 2,
  lastResortMlkem: 3,
  oneTimeMlkem: 4,
} as const
export type PrekeyKind = (typeof PREKEY_KIND)[keyof typeof PREKEY_KIND]

const U32_MAX = 0xffff_ffff

/** A signed container: the exact body bytes and the signature over them. */
export interface SignedBytes {
  body: Uint8Array
  signature: Uint8Array
}

function checkSigned(
  value: { body: Uint8Array; signature: Uint8Array },
  what: string,
): SignedBytes {
  return {
    body: requireBytes(value.body, `${what}.body`, { min: 1, max: FRAME_CAPS.deviceCert }),
    signature: requireBytes(value.signature, `${what}.signature`, {
      exact: ED25519_SIGNATURE_BYTES,
    }),
  }
}

export function decodeDeviceCert(bytes: unknown): SignedBytes {
  const v = decodeStrict(bytes, FRAME_CAPS.deviceCert, DeviceCert, 'device certificate')
  return checkSigned(v, 'device certificate')
}

export interface DeviceCertFields {
  identityKey: Uint8Array
  deviceKey: Uint8Array
  peerId: Uint8Array
  serial: number
  issuedAt: number
  expiresAt: number
}

export function decodeDeviceCertBody(bytes: Uint8Array): DeviceCertFields {
  const v = decodeStrict(bytes, FRAME_CAPS.deviceCert, DeviceCertBody, 'device certificate body')
  requireVersion(v.version, CRYPTO_FORMAT_VERSION, 'device certificate')
  return {
    identityKey: requireBytes(v.identityKey, 'identity key', { exact: ED25519_PUBLIC_KEY_BYTES }),
    deviceKey: requireBytes(v.deviceKey, 'device key', { exact: X25519_KEY_BYTES }),
    peerId: requireBytes(v.peerId, 'peer id', { min: 1, max: LIMITS.maxPeerIdBytes }),
    serial: requireUint(v.serial, 'serial', { max: U32_MAX }),
    issuedAt: requireUint(v.issuedAt, 'issued at'),
    expiresAt: requireUint(v.expiresAt, 'expires at'),
  }
}

export function encodeDeviceCertBody(f: DeviceCertFields): Uint8Array {
  return DeviceCertBody.encode({
    version: CRYPTO_FORMAT_VERSION,
    identityKey: f.identityKey as Uint8Array<ArrayBuffer>,
    deviceKey: f.deviceKey as Uint8Array<ArrayBuffer>,
    peerId: f.peerId as Uint8Array<ArrayBuffer>,
    serial: BigInt(f.serial),
    issuedAt: BigInt(f.issuedAt),
    expiresAt: BigInt(f.expiresAt),
  })
}

export function encodeSigned(s: SignedBytes): Uint8Array {
  return DeviceCert.encode({
    body: s.body as Uint8Array<ArrayBuffer>,
    signature: s.signature as Uint8Array<ArrayBuffer>,
  })
}

// --- prekeys ---

export interface PrekeyFields {
  kind: PrekeyKind
  id: number
  publicKey: Uint8Array
  deviceKey: Uint8Array
  expiresAt: number
}

export function encodePrekeyBody(f: PrekeyFields): Uint8Array {
  return PrekeyBody.encode({
    version: CRYPTO_FORMAT_VERSION,
    kind: f.kind,
    id: f.id,
    publicKey: f.publicKey as Uint8Array<ArrayBuffer>,
    deviceKey: f.deviceKey as Uint8Array<ArrayBuffer>,
    expiresAt: BigInt(f.expiresAt),
  })
}

export function decodePrekeyBody(bytes: Uint8Array): PrekeyFields {
  const v = decodeStrict(bytes, FRAME_CAPS.prekey, PrekeyBody, 'prekey')
  requireVersion(v.version, CRYPTO_FORMAT_VERSION, 'prekey')
  const kind = requireUint(v.kind, 'prekey kind', { min: 1, max: 4 }) as PrekeyKind
  const isPq = kind === PREKEY_KIND.lastResortMlkem || kind === PREKEY_KIND.oneTimeMlkem
  return {
    kind,
    id: requireUint(v.id, 'prekey id', { max: U32_MAX }),
    publicKey: requireBytes(v.publicKey, 'prekey public key', {
      exact: isPq ? MLKEM768_PUBLIC_KEY_BYTES : X25519_KEY_BYTES,
    }),
    deviceKey: requireBytes(v.deviceKey, 'prekey device key', { exact: X25519_KEY_BYTES }),
    expiresAt: requireUint(v.expiresAt, 'prekey expires at'),
  }
}

export interface PrekeyBundleParts {
  deviceCert: Uint8Array
  signedPrekey: SignedBytes
  pqPrekey: SignedBytes
  oneTimePrekey?: SignedBytes
}

function checkSignedPrekey(p: SignedPrekey | undefined, what: string): SignedBytes {
  if (p === undefined) throw new ProtocolError('malformed', `${what}: missing`)
  return {
    body: requireBytes(p.body, `${what}.body`, { min: 1, max: FRAME_CAPS.prekey }),
    signature: requireBytes(p.signature, `${what}.signature`, { exact: ED25519_SIGNATURE_BYTES }),
  }
}

export function encodePrekeyBundle(b: PrekeyBundleParts): Uint8Array {
  const sp = (s: SignedBytes): SignedPrekey => ({
    body: s.body as Uint8Array<ArrayBuffer>,
    signature: s.signature as Uint8Array<ArrayBuffer>,
  })
  return PrekeyBundle.encode({
    version: CRYPTO_FORMAT_VERSION,
    deviceCert: b.deviceCert as Uint8Array<ArrayBuffer>,
    signedPrekey: sp(b.signedPrekey),
    pqPrekey: sp(b.pqPrekey),
    ...(b.oneTimePrekey ? { oneTimePrekey: sp(b.oneTimePrekey) } : {}),
  })
}

export function decodePrekeyBundle(bytes: unknown): PrekeyBundleParts {
  const v = decodeStrict(bytes, FRAME_CAPS.prekeyBundle, PrekeyBundle, 'prekey bundle')
  requireVersion(v.version, CRYPTO_FORMAT_VERSION, 'prekey bundle')
  const out: PrekeyBundleParts = {
    deviceCert: requireBytes(v.deviceCert, 'bundle device cert', {
      min: 1,
      max: FRAME_CAPS.deviceCert,
    }),
    signedPrekey: checkSignedPrekey(v.signedPrekey, 'signed prekey'),
    pqPrekey: checkSignedPrekey(v.pqPrekey, 'pq prekey'),
  }
  if (v.oneTimePrekey !== undefined) {
    out.oneTimePrekey = checkSignedPrekey(v.oneTimePrekey, 'one-time prekey')
  }
  return out
}

// --- session frames ---

export interface RatchetHeader {
  dhKey: Uint8Array
  previousChainLength: number
  counter: number
}

export interface RatchetFrame extends RatchetHeader {
  ciphertext: Uint8Array
}

export interface InitialFrame {
  senderCert: Uint8Array
  ephemeralKey: Uint8Array
  kemCiphertext: Uint8Array
  signedPrekeyId: number
  pqPrekeyId: number
  oneTimePrekeyId?: number
  message: RatchetFrame
}

export type DecodedSessionFrame =
  { kind: 'initial'; initial: InitialFrame } | { kind: 'ratchet'; ratchet: RatchetFrame }

function checkRatchet(m: RatchetMessage | undefined): RatchetFrame {
  if (m === undefined) throw new ProtocolError('malformed', 'ratchet message: missing')
  return {
    dhKey: requireBytes(m.dhKey, 'ratchet key', { exact: X25519_KEY_BYTES }),
    previousChainLength: requireUint(m.previousChainLength, 'previous chain length', {
      max: U32_MAX,
    }),
    counter: requireUint(m.counter, 'message counter', { max: U32_MAX }),
    ciphertext: requireBytes(m.ciphertext, 'ciphertext', {
      min: AEAD_TAG_BYTES,
      max: FRAME_CAPS.sessionMessage,
    }),
  }
}

function checkInitial(m: InitialMessage): InitialFrame {
  const out: InitialFrame = {
    senderCert: requireBytes(m.senderCert, 'sender cert', { min: 1, max: FRAME_CAPS.deviceCert }),
    ephemeralKey: requireBytes(m.ephemeralKey, 'ephemeral key', { exact: X25519_KEY_BYTES }),
    kemCiphertext: requireBytes(m.kemCiphertext, 'KEM ciphertext', {
      exact: MLKEM768_CIPHERTEXT_BYTES,
    }),
    signedPrekeyId: requireUint(m.signedPrekeyId, 'signed prekey id', { max: U32_MAX }),
    pqPrekeyId: requireUint(m.pqPrekeyId, 'pq prekey id', { max: U32_MAX }),
    message: checkRatchet(m.message),
  }
  if (m.oneTimePrekeyId !== undefined) {
    out.oneTimePrekeyId = requireUint(m.oneTimePrekeyId, 'one-time prekey id', { max: U32_MAX })
  }
  return out
}

function ratchetToWire(r: RatchetFrame): RatchetMessage {
  return {
    dhKey: r.dhKey as Uint8Array<ArrayBuffer>,
    previousChainLength: r.previousChainLength,
    counter: r.counter,
    ciphertext: r.ciphertext as Uint8Array<ArrayBuffer>,
  }
}

export function encodeSessionFrame(frame: DecodedSessionFrame): Uint8Array {
  if (frame.kind === 'ratchet') {
    return SessionFrame.encode({
      version: CRYPTO_FORMAT_VERSION,
      ratchet: ratchetToWire(frame.ratchet),
    })
  }
  const i = frame.initial
  return SessionFrame.encode({
    version: CRYPTO_FORMAT_VERSION,
    initial: {
      senderCert: i.senderCert as Uint8Array<ArrayBuffer>,
      ephemeralKey: i.ephemeralKey as Uint8Array<ArrayBuffer>,
      kemCiphertext: i.kemCiphertext as Uint8Array<ArrayBuffer>,
      signedPrekeyId: i.signedPrekeyId,
      pqPrekeyId: i.pqPrekeyId,
      ...(i.oneTimePrekeyId !== undefined ? { oneTimePrekeyId: i.oneTimePrekeyId } : {}),
      message: ratchetToWire(i.message),
    },
  })
}

export function decodeSessionFrame(bytes: unknown): DecodedSessionFrame {
  const v = decodeStrict(bytes, FRAME_CAPS.sessionMessage, SessionFrame, 'session frame')
  requireVersion(v.version, CRYPTO_FORMAT_VERSION, 'session frame')
  if ((v.initial === undefined) === (v.ratchet === undefined)) {
    throw new ProtocolError('malformed', 'session frame: needs exactly one of initial/ratchet')
  }
  if (v.initial !== undefined) return { kind: 'initial', initial: checkInitial(v.initial) }
  return { kind: 'ratchet', ratchet: checkRatchet(v.ratchet) }
}

/** Fixed 40-byte header encoding bound into the AEAD associated data (DR §3.4 CONCAT(AD, header)). */
export function encodeHeaderForAd(h: RatchetHeader): Uint8Array {
  const out = new Uint8Array(40)
  out.set(h.dhKey, 0)
  const view = new DataView(out.buffer)
  view.setUint32(32, h.previousChainLength, false)
  view.setUint32(36, h.counter, false)
  return out
}

// --- message plaintext ---

export const MESSAGE_ID_BYTES = 16

export interface MessageFields {
  messageId: Uint8Array
  sentAt: number
  body: Uint8Array
}

export function encodeMessagePlaintext(m: MessageFields): Uint8Array {
  return MessagePlaintext.encode({
    messageId: m.messageId as Uint8Array<ArrayBuffer>,
    sentAt: BigInt(m.sentAt),
    body: m.body as Uint8Array<ArrayBuffer>,
  })
}

export function decodeMessagePlaintext(bytes: unknown): MessageFields {
  const v = decodeStrict(bytes, FRAME_CAPS.sessionMessage, MessagePlaintext, 'message plaintext')
  return {
    messageId: requireBytes(v.messageId, 'message id', { exact: MESSAGE_ID_BYTES }),
    sentAt: requireUint(v.sentAt, 'sent at'),
    body:
      v.body instanceof Uint8Array
        ? requireBytes(v.body, 'body', {
            max: LIMITS.maxMessageBodyBytes,
          })
        : new Uint8Array(0),
  }
}

// --- safety-number QR ---

export const SAFETY_FINGERPRINT_BYTES = 32

export interface SafetyQrFields {
  version: number
  local: Uint8Array
  remote: Uint8Array
}

export function encodeSafetyQr(q: SafetyQrFields): Uint8Array {
  return SafetyQr.encode({
    version: q.version,
    local: q.local as Uint8Array<ArrayBuffer>,
    remote: q.remote as Uint8Array<ArrayBuffer>,
  })
}

export function decodeSafetyQr(bytes: unknown): SafetyQrFields {
  const v = decodeStrict(bytes, FRAME_CAPS.safetyQr, SafetyQr, 'safety-number QR')
  return {
    version: requireUint(v.version, 'QR version', { max: U32_MAX }),
    local: requireBytes(v.local, 'QR local fingerprint', { exact: SAFETY_FINGERPRINT_BYTES }),
    remote: requireBytes(v.remote, 'QR remote fingerprint', { exact: SAFETY_FINGERPRINT_BYTES }),
  }
}

// --- file share record ---

export const FILE_ID_BYTES = 16

export interface FileShareFields {
  fileId: Uint8Array
  key: Uint8Array
  size: number
  ciphertextSha256: Uint8Array
}

export function encodeFileShare(f: FileShareFields): Uint8Array {
  return FileShare.encode({
    version: CRYPTO_FORMAT_VERSION,
    fileId: f.fileId as Uint8Array<ArrayBuffer>,
    key: f.key as Uint8Array<ArrayBuffer>,
    size: BigInt(f.size),
    ciphertextSha256: f.ciphertextSha256 as Uint8Array<ArrayBuffer>,
  })
}

export function decodeFileShare(bytes: unknown): FileShareFields {
  const v = decodeStrict(bytes, FRAME_CAPS.fileShare, FileShare, 'file share record')
  requireVersion(v.version, CRYPTO_FORMAT_VERSION, 'file share record')
  return {
    fileId: requireBytes(v.fileId, 'file id', { exact: FILE_ID_BYTES }),
    key: requireBytes(v.key, 'file key', { exact: 32 }),
    size: requireUint(v.size, 'file size'),
    ciphertextSha256: requireBytes(v.ciphertextSha256, 'ciphertext SHA-256', { exact: 32 }),
  }
}
