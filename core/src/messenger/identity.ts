/**
 * Creating and loading our identity: Ed25519 identity key, X25519 device key, the libp2p key whose
 * PeerId is the device id, a device certificate binding them, long-lived prekeys (signed X25519,
 * last-resort ML-KEM-768) and the mailbox root secret.
 */
import {
  generateKeyPairFromSeed,
  privateKeyFromProtobuf,
  privateKeyToProtobuf,
} from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toBase64Url } from '../crypto/bytes.ts'
import {
  createDeviceKeys,
  createIdentity,
  identityFromSecret,
  issueDeviceCert,
  verifyDeviceCert,
} from '../crypto/identity.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import {
  buildPrekeyBundle,
  createPrekey,
  PREKEY_KIND,
  type PrekeyKind,
  type PrekeySecret,
} from '../crypto/prekeys.ts'
import { sha256 } from '../crypto/primitives.ts'
import type { IdentityRecord } from '../store/records.ts'
import { ClientApiError } from '../client/api.ts'
import { domainSeparated } from '../wire/labels.ts'
import { MESSENGER_DOMAIN } from './labels.ts'
import type { LocalIdentity } from './context.ts'
import { MESSENGER_TIMING } from './limits.ts'
import { deviceIdOf, peerIdBytes } from './net.ts'
import { decodeSecrets, encodeSecrets, SECRETS_VERSION, type LocalSecrets } from './secrets.ts'

/**
 * A new device: device key, libp2p key, certificate, prekeys, mailbox root. Under a new identity,
 * or under an existing one given its secret (a restore from a backup re-keys the device, ADR 0524).
 */
export async function createLocalIdentity(
  platform: CryptoPlatform,
  displayName: string,
  identitySecret?: Uint8Array,
): Promise<{ record: IdentityRecord; secrets: LocalSecrets }> {
  const now = platform.clock()
  const identity =
    identitySecret === undefined
      ? createIdentity(platform.random)
      : identityFromSecret(identitySecret)
  const device = createDeviceKeys(platform.random)
  const libp2pKey = await generateKeyPairFromSeed('Ed25519', platform.random(32))
  const peerId = peerIdFromPrivateKey(libp2pKey)
  const cert = issueDeviceCert(identity, {
    deviceKey: device.publicKey,
    peerId: peerIdBytes(peerId),
    issuedAt: now,
    expiresAt: now + MESSENGER_TIMING.deviceCertLifetimeMs,
  })
  const secrets: LocalSecrets = {
    version: SECRETS_VERSION,
    identitySecret: identity.secretKey,
    device,
    libp2pKey: privateKeyToProtobuf(libp2pKey),
    mailboxRoot: platform.random(32),
    prekeys: [],
    nextPrekeyId: 1,
    invites: [],
  }
  addPrekey(secrets, platform, PREKEY_KIND.signedX25519)
  addPrekey(secrets, platform, PREKEY_KIND.lastResortMlkem)
  const record: IdentityRecord = {
    displayName,
    identityPublicKey: identity.publicKey,
    secretKeys: encodeSecrets(secrets),
    deviceId: peerId.toString(),
    deviceCertificate: cert.bytes,
    createdAt: now,
  }
  return { record, secrets }
}

/** Why a companion refuses what needs the identity key (invites, new contacts, new prekeys). */
export const COMPANION_CANNOT_SIGN =
  'This device is linked to your identity on another device: add contacts and make invites there.'

/** Creates a prekey of `kind`, adds it to `secrets` and returns it. */
export function addPrekey(
  secrets: LocalSecrets,
  platform: CryptoPlatform,
  kind: PrekeyKind,
): PrekeySecret {
  if (secrets.companion === true) throw new ClientApiError('invalid_state', COMPANION_CANNOT_SIGN)
  const p = createPrekey(identityFromSecret(secrets.identitySecret), {
    kind,
    id: secrets.nextPrekeyId++,
    deviceKey: secrets.device.publicKey,
    expiresAt: platform.clock() + MESSENGER_TIMING.prekeyLifetimeMs,
    random: platform.random,
  })
  secrets.prekeys.push(p)
  return p
}

export function loadLocalIdentity(
  record: IdentityRecord,
  platform: CryptoPlatform,
): { local: LocalIdentity; secrets: LocalSecrets; libp2pKey: PrivateKey } {
  const secrets = decodeSecrets(record.secretKeys)
  const companion = secrets.companion === true
  // A companion holds the identity's public key only (ADR 0762): any signature attempt with the
  // empty secret fails, and the paths that would sign refuse before (companionRefusal).
  const identity = companion
    ? { publicKey: record.identityPublicKey, secretKey: new Uint8Array(0) }
    : identityFromSecret(secrets.identitySecret)
  const cert = verifyDeviceCert(record.deviceCertificate, {
    now: platform.clock(),
    identityKey: identity.publicKey,
  })
  return {
    local: {
      displayName: record.displayName,
      identity,
      device: { cert, keys: secrets.device },
      cert,
      deviceId: deviceIdOf(cert.peerId),
      ...(companion ? { companion } : {}),
    },
    secrets,
    libp2pKey: privateKeyFromProtobuf(secrets.libp2pKey),
  }
}

function latest(secrets: LocalSecrets, kind: PrekeyKind): PrekeySecret | undefined {
  let best: PrekeySecret | undefined
  for (const p of secrets.prekeys)
    if (p.kind === kind && (best === undefined || p.id > best.id)) best = p
  return best
}

/** Our bundle: the newest signed and last-resort prekeys, plus an optional one-time prekey. */
export function prekeyBundle(
  local: LocalIdentity,
  secrets: LocalSecrets,
  oneTime?: PrekeySecret,
): Uint8Array {
  const signedPrekey = latest(secrets, PREKEY_KIND.signedX25519)
  const pqPrekey = latest(secrets, PREKEY_KIND.lastResortMlkem)
  if (signedPrekey === undefined || pqPrekey === undefined) throw new Error('no prekeys stored')
  return buildPrekeyBundle({
    deviceCert: local.cert,
    signedPrekey,
    pqPrekey,
    ...(oneTime !== undefined ? { oneTimePrekey: oneTime } : {}),
  })
}

/** Short display fingerprint: base64url of the first 12 bytes of a labelled SHA-256. */
export function identityFingerprint(identityPublicKey: Uint8Array): string {
  return toBase64Url(
    sha256(domainSeparated(MESSENGER_DOMAIN.fingerprint, identityPublicKey)).subarray(0, 12),
  )
}
