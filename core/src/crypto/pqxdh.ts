/**
 * Session start with PQXDH (signal.org/docs/specifications/pqxdh, revision 3) over X25519 and
 * ML-KEM-768, followed by the Double Ratchet (session.ts).
 *
 * Deviation (ADR 0101): the "identity key" IK of PQXDH is each device's X25519 key, certified by
 * the user's Ed25519 identity key (identity.ts), instead of one XEdDSA-capable Curve25519 key.
 */
import { ProtocolError } from '../wire/errors.ts'
import { DOMAIN, labelBytes } from '../wire/labels.ts'
import { bytesEqual, concatBytes, toBase64Url as s } from './bytes.ts'
import { decodeSessionFrame, PREKEY_KIND, type PrekeyKind } from './codecs.ts'
import { verifyDeviceCert, type DeviceCertificate, type DeviceKeyPair } from './identity.ts'
import type { CryptoPlatform } from './platform.ts'
import type { PrekeySecret, VerifiedBundle } from './prekeys.ts'
import {
  hkdfSha256,
  mlkemDecapsulate,
  mlkemEncapsulate,
  x25519Dh,
  x25519KeyPair,
} from './primitives.ts'
import { kdfRoot } from './ratchet-kdf.ts'
import {
  decryptInto,
  initialHeaderDigest,
  Session,
  SESSION_STATE_VERSION,
  type DecryptedMessage,
  type SessionState,
} from './session.ts'

/** This device: its certificate and X25519 key pair. */
export interface LocalDevice {
  cert: DeviceCertificate
  keys: DeviceKeyPair
}

// PQXDH §2.2: F is 32 0xFF bytes for X25519; salt is a zero-filled hash-length string.
const KDF_F = new Uint8Array(32).fill(0xff)
const KDF_SALT = new Uint8Array(32)
const KDF_INFO = labelBytes(DOMAIN.pqxdhInfo)

/** PQXDH §2.2 KDF(KM) = HKDF-SHA-256(F || KM, zero salt, info) → 32-byte SK. */
export function pqxdhSecret(dhs: Uint8Array[], kemSecret: Uint8Array): Uint8Array {
  return hkdfSha256(concatBytes(KDF_F, ...dhs, kemSecret), KDF_SALT, KDF_INFO, 32)
}

/** PQXDH §3.3 AD = Encode(IK_A) || Encode(IK_B), here identity and device keys of both, labelled. */
export function sessionAd(initiator: DeviceCertificate, responder: DeviceCertificate): Uint8Array {
  return concatBytes(
    labelBytes(DOMAIN.ratchetAd),
    initiator.identityKey,
    initiator.deviceKey,
    responder.identityKey,
    responder.deviceKey,
  )
}

export interface InitiateOptions {
  local: LocalDevice
  /** A bundle checked with verifyPrekeyBundle. */
  bundle: VerifiedBundle
  /** The first message's application body. */
  body: Uint8Array
  platform: CryptoPlatform
}

export interface InitiateResult {
  session: Session
  /** The initial frame to send (PQXDH header + first ratchet message). */
  frame: Uint8Array
  messageId: Uint8Array
}

/** PQXDH §3.3 (Alice) then DR §3.3 RatchetInitAlice, and the first message. */
export function initiateSession(opts: InitiateOptions): InitiateResult {
  const { local, bundle, platform } = opts
  const now = platform.clock()
  if (now >= bundle.expiresAt) {
    throw new ProtocolError('expired', 'prekey bundle expired; fetch a fresh one')
  }
  const ek = x25519KeyPair(platform.random)
  const kem = mlkemEncapsulate(bundle.pqPrekey.publicKey, platform.random)
  const spk = bundle.signedPrekey.publicKey
  const dhs = [
    x25519Dh(local.keys.secretKey, spk), // DH1 = DH(IK_A, SPK_B)
    x25519Dh(ek.secretKey, bundle.cert.deviceKey), // DH2 = DH(EK_A, IK_B)
    x25519Dh(ek.secretKey, spk), // DH3 = DH(EK_A, SPK_B)
  ]
  if (bundle.oneTimePrekey) dhs.push(x25519Dh(ek.secretKey, bundle.oneTimePrekey.publicKey)) // DH4
  const sk = pqxdhSecret(dhs, kem.sharedSecret)

  // DR §3.3 RatchetInitAlice: Bob's signed prekey is his first ratchet public key.
  const dhSelf = x25519KeyPair(platform.random)
  const [rootKey, sendKey] = kdfRoot(sk, x25519Dh(dhSelf.secretKey, spk))
  const state: SessionState = {
    version: SESSION_STATE_VERSION,
    role: 'initiator',
    localIdentityKey: s(local.cert.identityKey),
    remoteIdentityKey: s(bundle.cert.identityKey),
    remoteDeviceKey: s(bundle.cert.deviceKey),
    remotePeerId: s(bundle.cert.peerId),
    ad: s(sessionAd(local.cert, bundle.cert)),
    rootKey: s(rootKey),
    dhSelf: { publicKey: s(dhSelf.publicKey), secretKey: s(dhSelf.secretKey) },
    dhRemote: s(spk),
    sendChain: { key: s(sendKey), n: 0 },
    recvChain: null,
    previousSendCount: 0,
    skipped: [],
    seenMessageIds: [],
    pendingInitial: {
      senderCert: s(local.cert.bytes),
      ephemeralKey: s(ek.publicKey),
      kemCiphertext: s(kem.ciphertext),
      signedPrekeyId: bundle.signedPrekey.id,
      pqPrekeyId: bundle.pqPrekey.id,
      ...(bundle.oneTimePrekey ? { oneTimePrekeyId: bundle.oneTimePrekey.id } : {}),
    },
    initialHeaderDigest: null,
  }
  const session = new Session(state, platform)
  const { frame, messageId } = session.encrypt(opts.body)
  return { session, frame, messageId }
}

/** Finds our private prekey by kind and id (ids are unique per device across kinds). */
export type PrekeyLookup = (kind: PrekeyKind, id: number) => PrekeySecret | undefined

export interface AcceptOptions {
  local: LocalDevice
  frame: Uint8Array
  prekeys: PrekeyLookup
  platform: CryptoPlatform
  /** When given, the initiator must be this identity (e.g. a pinned contact). */
  expectedIdentityKey?: Uint8Array
}

export interface AcceptResult {
  session: Session
  message: DecryptedMessage
  /** The initiator's verified device certificate: run checkKeyChange on it. */
  senderCert: DeviceCertificate
  /** Prekeys this message used. Delete the one-time ones now (PQXDH §3.4). */
  usedPrekeys: { signedPrekeyId: number; pqPrekey: PrekeySecret; oneTimePrekeyId?: number }
}

/**
 * PQXDH §3.4 (Bob) then DR §3.3 RatchetInitBob, and decryption of the first message. Throws
 * ProtocolError; nothing is created on failure.
 */
export function acceptSession(opts: AcceptOptions): AcceptResult {
  const { local, platform } = opts
  const decoded = decodeSessionFrame(opts.frame)
  if (decoded.kind !== 'initial') {
    throw new ProtocolError('malformed', 'not an initial message: no session to decrypt it with')
  }
  const init = decoded.initial
  const senderCert = verifyDeviceCert(init.senderCert, {
    now: platform.clock(),
    ...(opts.expectedIdentityKey ? { identityKey: opts.expectedIdentityKey } : {}),
  })
  const spk = opts.prekeys(PREKEY_KIND.signedX25519, init.signedPrekeyId)
  const pq =
    opts.prekeys(PREKEY_KIND.oneTimeMlkem, init.pqPrekeyId) ??
    opts.prekeys(PREKEY_KIND.lastResortMlkem, init.pqPrekeyId)
  if (spk === undefined || pq === undefined) {
    throw new ProtocolError(
      'unknown_key',
      'initial message names a prekey we do not have (used or expired)',
    )
  }
  let opk: PrekeySecret | undefined
  if (init.oneTimePrekeyId !== undefined) {
    opk = opts.prekeys(PREKEY_KIND.oneTimeX25519, init.oneTimePrekeyId)
    if (opk === undefined) {
      throw new ProtocolError('unknown_key', 'one-time prekey already used or unknown')
    }
  }
  for (const p of [spk, pq, ...(opk ? [opk] : [])]) {
    if (!bytesEqual(p.deviceKey, local.keys.publicKey)) {
      throw new ProtocolError('wrong_key', 'prekey belongs to another device key of ours')
    }
  }
  const dhs = [
    x25519Dh(spk.secretKey, senderCert.deviceKey), // DH1
    x25519Dh(local.keys.secretKey, init.ephemeralKey), // DH2
    x25519Dh(spk.secretKey, init.ephemeralKey), // DH3
  ]
  if (opk) dhs.push(x25519Dh(opk.secretKey, init.ephemeralKey)) // DH4
  const sk = pqxdhSecret(dhs, mlkemDecapsulate(init.kemCiphertext, pq.secretKey))

  // DR §3.3 RatchetInitBob: the signed prekey pair is Bob's first ratchet key pair.
  const state: SessionState = {
    version: SESSION_STATE_VERSION,
    role: 'responder',
    localIdentityKey: s(local.cert.identityKey),
    remoteIdentityKey: s(senderCert.identityKey),
    remoteDeviceKey: s(senderCert.deviceKey),
    remotePeerId: s(senderCert.peerId),
    ad: s(sessionAd(senderCert, local.cert)),
    rootKey: s(sk),
    dhSelf: { publicKey: s(spk.publicKey), secretKey: s(spk.secretKey) },
    dhRemote: null,
    sendChain: null,
    recvChain: null,
    previousSendCount: 0,
    skipped: [],
    seenMessageIds: [],
    pendingInitial: null,
    initialHeaderDigest: s(initialHeaderDigest(init)),
  }
  const message = decryptInto(state, init.message, platform)
  return {
    session: new Session(state, platform),
    message,
    senderCert,
    usedPrekeys: {
      signedPrekeyId: spk.id,
      pqPrekey: pq,
      ...(opk ? { oneTimePrekeyId: opk.id } : {}),
    },
  }
}
