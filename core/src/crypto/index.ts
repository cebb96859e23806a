/**
 * Hestia crypto core: identities, device certificates, prekey bundles, PQXDH + Double Ratchet
 * sessions, sealed mailbox envelopes, safety numbers and Cobblestone-256 file encryption.
 * Wire formats and labels: docs/protocol/crypto.md. Errors: ProtocolError (core/src/wire).
 *
 * @example
 * import * as c from '@hestia/core/crypto/index.ts'
 * const platform = c.systemPlatform // or a seeded one in tests
 * const now = platform.clock(), day = 86_400_000
 * const device = (peerId: Uint8Array) => {
 *   const identity = c.createIdentity(platform.random)
 *   const keys = c.createDeviceKeys(platform.random)
 *   const cert = c.issueDeviceCert(identity, { deviceKey: keys.publicKey, peerId, issuedAt: now, expiresAt: now + 30 * day })
 *   return { identity, keys, cert }
 * }
 * const alice = device(new Uint8Array([1])), bob = device(new Uint8Array([2]))
 * // Bob publishes a bundle (in his invite or mailbox) and keeps the secrets.
 * const mk = (kind: c.PrekeyKind, id: number) => c.createPrekey(bob.identity, { kind, id, deviceKey: bob.keys.publicKey, expiresAt: now + 7 * day, random: platform.random })
 * const secrets = [mk(c.PREKEY_KIND.signedX25519, 1), mk(c.PREKEY_KIND.lastResortMlkem, 2), mk(c.PREKEY_KIND.oneTimeX25519, 3)]
 * const bundleBytes = c.buildPrekeyBundle({ deviceCert: bob.cert, signedPrekey: secrets[0]!, pqPrekey: secrets[1]!, oneTimePrekey: secrets[2]! })
 * // Alice verifies it and starts a session; the first message travels sealed to Bob's mailbox.
 * const bundle = c.verifyPrekeyBundle(bundleBytes, { now })
 * const start = c.initiateSession({ local: alice, bundle, body: new TextEncoder().encode('hi'), platform })
 * const mailbox = c.createMailboxKeys(platform.random)
 * const sealed = await c.sealForMailbox(mailbox.publicKey, start.frame) // 4096 bytes
 * const got = c.acceptSession({ local: bob, frame: await c.openSealed(mailbox.secretKey, sealed), platform,
 *   prekeys: (kind, id) => secrets.find((p) => p.kind === kind && p.id === id) })
 * const pin = c.checkKeyChange(undefined, got.senderCert) // { status: 'first_use', pinned }
 * const reply = got.session.encrypt(new TextEncoder().encode('hello'))
 * start.session.decrypt(reply.frame).body // 'hello'
 * const stored = JSON.stringify(start.session.toJSON()) // resume: c.Session.restore(JSON.parse(stored), platform)
 * c.safetyNumber(alice.identity.publicKey, bob.identity.publicKey).digits // 60 digits, same on both sides
 */
export { ProtocolError, isProtocolError, type ProtocolErrorCode } from '../wire/errors.ts'
export { systemPlatform, systemRandom, systemClock } from './platform.ts'
export type { CryptoPlatform, RandomSource, Clock } from './platform.ts'
export { LIMITS, CRYPTO_FORMAT_VERSION } from './limits.ts'

export {
  createIdentity,
  identityFromSecret,
  createDeviceKeys,
  issueDeviceCert,
  verifyDeviceCert,
  rotateDeviceKey,
  supersedes,
} from './identity.ts'
export type {
  IdentityKeyPair,
  DeviceKeyPair,
  DeviceCertificate,
  DeviceCertRequest,
  VerifyCertOptions,
  RotationOptions,
} from './identity.ts'

export {
  createPrekey,
  buildPrekeyBundle,
  verifyPrekeyBundle,
  verifySignedPrekey,
  PREKEY_KIND,
} from './prekeys.ts'
export type {
  PrekeyKind,
  PrekeySecret,
  VerifiedBundle,
  VerifiedPrekey,
  BundleInput,
} from './prekeys.ts'

export { initiateSession, acceptSession } from './pqxdh.ts'
export type {
  LocalDevice,
  InitiateOptions,
  InitiateResult,
  AcceptOptions,
  AcceptResult,
  PrekeyLookup,
} from './pqxdh.ts'
export { Session, SessionUsageError, SESSION_STATE_VERSION } from './session.ts'
export type { SessionState, DecryptedMessage, EncryptedMessage } from './session.ts'

export {
  sealForMailbox,
  openSealed,
  checkSealedShape,
  createMailboxKeys,
  sealedSizeFor,
  SEALED_SIZE_BUCKETS,
  MAX_SEALED_BYTES,
  MAX_SEALED_PLAINTEXT,
} from './sealed-envelope.ts'

export {
  safetyNumber,
  compareSafetyQr,
  SAFETY_NUMBER_ITERATIONS,
  type SafetyNumber,
} from './safety-number.ts'
export {
  checkKeyChange,
  repinIdentity,
  markVerified,
  type PinnedIdentity,
  type KeyCheckStatus,
  type KeyCheckResult,
} from './key-change.ts'

export {
  FileEncryptor,
  FileDecryptor,
  FileChunkReader,
  encryptStream,
  decryptStream,
  encryptFile,
  decryptFile,
  checkAgainstShare,
  chunkOffset,
  ciphertextLength,
  finalChunkIndex,
  webCryptoAesGcm,
  COBBLESTONE_256,
} from './file-encryption.ts'
export type { AesGcmProvider, FileEncryptOptions, EncryptedFile } from './file-encryption.ts'
export { encodeFileShare, decodeFileShare, type FileShareFields } from './codecs.ts'
export { decodeSessionFrame, decodePrekeyBundle, decodeDeviceCert } from './codecs.ts'
