/**
 * The new device's own keys for linking (docs/adr/0760): an X25519 device key, a signed-prekey
 * X25519 pair and a last-resort ML-KEM-768 pair, made locally; only the public halves go into the
 * link request, and the primary signs them. After the grant is accepted they become the
 * PrekeySecret records the session layer looks prekeys up in.
 */
import { decodePrekeyBody, PREKEY_KIND } from '../../crypto/codecs.ts'
import { createDeviceKeys, type DeviceKeyPair } from '../../crypto/identity.ts'
import type { RandomSource } from '../../crypto/platform.ts'
import type { PrekeySecret } from '../../crypto/prekeys.ts'
import { mlkemKeyPair, x25519KeyPair, type KeyPair } from '../../crypto/primitives.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import { decodeGrantPrekey, type LinkGrantFields, type LinkRequestFields } from './link-codec.ts'

export interface CompanionKeys {
  device: DeviceKeyPair
  signedPrekey: KeyPair
  pqPrekey: KeyPair
  request: LinkRequestFields
}

export function createCompanionKeys(
  random: RandomSource,
  peerId: Uint8Array,
  name: string,
): CompanionKeys {
  const device = createDeviceKeys(random)
  const signedPrekey = x25519KeyPair(random)
  const pqPrekey = mlkemKeyPair(random)
  return {
    device,
    signedPrekey,
    pqPrekey,
    request: {
      deviceKey: device.publicKey,
      peerId,
      signedPrekey: signedPrekey.publicKey,
      pqPrekey: pqPrekey.publicKey,
      name,
    },
  }
}

/** The companion's prekey secrets, with the signatures the primary made (grant already accepted). */
export function companionPrekeySecrets(
  keys: CompanionKeys,
  grant: LinkGrantFields,
): PrekeySecret[] {
  const one = (signedBytes: Uint8Array, pair: KeyPair, what: string): PrekeySecret => {
    const signed = decodeGrantPrekey(signedBytes, what)
    const f = decodePrekeyBody(signed.body)
    if (!bytesEqual(f.publicKey, pair.publicKey)) {
      throw new ProtocolError('wrong_key', `${what}: not the key this device asked to sign`)
    }
    return { ...f, secretKey: pair.secretKey, signed }
  }
  const spk = one(grant.signedPrekey, keys.signedPrekey, 'grant prekey')
  const pq = one(grant.pqPrekey, keys.pqPrekey, 'grant pq prekey')
  if (spk.kind !== PREKEY_KIND.signedX25519 || pq.kind !== PREKEY_KIND.lastResortMlkem) {
    throw new ProtocolError('malformed', 'grant: prekeys of the wrong kind')
  }
  return [spk, pq]
}
