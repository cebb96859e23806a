/**
 * Sealed envelopes for relay mailboxes: HPKE (RFC 9180, base mode, through @hpke/core) with
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and ChaCha20-Poly1305, to the recipient's mailbox X25519
 * key. The plaintext is padded so every sealed envelope has one of SEALED_SIZE_BUCKETS sizes: the
 * relay learns the bucket, never the length, the sender or the message type.
 *
 * Layout: version (1 B, 0x01) || enc (32 B) || HPKE ciphertext (padded plaintext + 16 B tag).
 * Padding (ISO/IEC 7816-4): plaintext || 0x80 || 0x00 ... up to the bucket.
 */
import { CipherSuite, HkdfSha256 } from '@hpke/core'
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { ProtocolError } from '../wire/errors.ts'
import { checkSize } from '../wire/decode.ts'
import { MAX_SEALED_BYTES, SEALED_SIZE_BUCKETS } from '../wire/caps.ts'
import { DOMAIN, labelBytes } from '../wire/labels.ts'
import type { RandomSource } from './platform.ts'
import { x25519KeyPair, type KeyPair } from './primitives.ts'

export { MAX_SEALED_BYTES, SEALED_SIZE_BUCKETS }

export const SEALED_VERSION = 0x01
const ENC_BYTES = 32
const TAG_BYTES = 16
/** Bytes a sealed envelope adds around the padded plaintext. */
export const SEALED_OVERHEAD = 1 + ENC_BYTES + TAG_BYTES
/** Largest plaintext that fits the largest bucket (one byte goes to the 0x80 pad marker). */
export const MAX_SEALED_PLAINTEXT = MAX_SEALED_BYTES - SEALED_OVERHEAD - 1

const INFO = labelBytes(DOMAIN.sealedEnvelope)
const AAD = new Uint8Array([SEALED_VERSION])

let suiteInstance: CipherSuite | undefined
function suite(): CipherSuite {
  suiteInstance ??= new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Chacha20Poly1305(),
  })
  return suiteInstance
}

/** A mailbox key pair (X25519). The public half goes into the invite; the secret stays home. */
export function createMailboxKeys(random: RandomSource): KeyPair {
  return x25519KeyPair(random)
}

/** The size a plaintext of `length` bytes seals to. Throws RangeError if it fits no bucket. */
export function sealedSizeFor(length: number): number {
  const needed = length + 1 + SEALED_OVERHEAD
  for (const bucket of SEALED_SIZE_BUCKETS) if (needed <= bucket) return bucket
  throw new RangeError(
    `plaintext of ${length} bytes exceeds MAX_SEALED_PLAINTEXT (${MAX_SEALED_PLAINTEXT})`,
  )
}

export interface SealOptions {
  /** Ephemeral key material for HPKE's DeriveKeyPair (tests/golden vectors only). */
  ephemeralSeed?: Uint8Array
  /** Pad to at least this bucket (hide that a message is small). */
  minBucket?: number
}

/** Seals `plaintext` to a mailbox public key. The result's length is one of SEALED_SIZE_BUCKETS. */
export async function sealForMailbox(
  mailboxPublicKey: Uint8Array,
  plaintext: Uint8Array,
  opts: SealOptions = {},
): Promise<Uint8Array> {
  const size = Math.max(sealedSizeFor(plaintext.length), opts.minBucket ?? 0)
  if (!(SEALED_SIZE_BUCKETS as readonly number[]).includes(size)) {
    throw new RangeError('minBucket must be one of SEALED_SIZE_BUCKETS')
  }
  const padded = new Uint8Array(size - SEALED_OVERHEAD)
  padded.set(plaintext)
  padded[plaintext.length] = 0x80
  const s = suite()
  const recipientPublicKey = await s.kem.deserializePublicKey(mailboxPublicKey)
  const { enc, ct } = await s.seal(
    {
      recipientPublicKey,
      info: INFO,
      ...(opts.ephemeralSeed ? { ekm: opts.ephemeralSeed } : {}),
    },
    padded,
    AAD,
  )
  const out = new Uint8Array(size)
  out[0] = SEALED_VERSION
  out.set(new Uint8Array(enc), 1)
  out.set(new Uint8Array(ct), 1 + ENC_BYTES)
  return out
}

/**
 * Checks the outer shape of a sealed envelope without opening it (what a relay may check):
 * bucket size and version. Throws ProtocolError ('oversize', 'malformed', 'unsupported_version').
 */
export function checkSealedShape(sealed: unknown): Uint8Array {
  checkSize(sealed, MAX_SEALED_BYTES, 'sealed envelope')
  if (!(SEALED_SIZE_BUCKETS as readonly number[]).includes(sealed.length)) {
    throw new ProtocolError(
      'malformed',
      `sealed envelope of ${sealed.length} bytes is not a bucket size`,
    )
  }
  if (sealed[0] !== SEALED_VERSION) {
    throw new ProtocolError(
      'unsupported_version',
      `sealed envelope version ${sealed[0]} is not supported`,
    )
  }
  return sealed
}

/**
 * Opens a sealed envelope with the mailbox secret key and strips the padding. Throws
 * ProtocolError: shape errors as checkSealedShape, 'decrypt_failed' for a wrong key or tampering.
 */
export async function openSealed(
  mailboxSecretKey: Uint8Array,
  sealed: unknown,
): Promise<Uint8Array> {
  const bytes = checkSealedShape(sealed)
  const s = suite()
  let padded: Uint8Array
  try {
    const recipientKey = await s.kem.importKey('raw', mailboxSecretKey.slice().buffer, false)
    padded = new Uint8Array(
      await s.open(
        { recipientKey, enc: bytes.subarray(1, 1 + ENC_BYTES), info: INFO },
        bytes.subarray(1 + ENC_BYTES),
        AAD,
      ),
    )
  } catch (err) {
    throw new ProtocolError(
      'decrypt_failed',
      'sealed envelope does not open with this mailbox key',
      {
        cause: err,
      },
    )
  }
  return unpad(padded)
}

function unpad(padded: Uint8Array): Uint8Array {
  let i = padded.length - 1
  while (i >= 0 && padded[i] === 0) i--
  if (i < 0 || padded[i] !== 0x80)
    throw new ProtocolError('malformed', 'sealed envelope padding is invalid')
  return padded.slice(0, i)
}
