/**
 * Named caps for every length a peer controls in crypto-layer frames. One place, so the protocol doc
 * (docs/protocol/crypto.md) and the code cannot drift apart. Sizes in bytes unless named otherwise.
 */
export const KiB = 1024

/** Sealed-envelope sizes on the wire (HPKE enc + ciphertext + tag), see crypto/sealed-envelope.ts. */
export const SEALED_SIZE_BUCKETS = [1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB] as const
export const MAX_SEALED_BYTES = 64 * KiB

export const FRAME_CAPS = {
  /** Encoded device certificate. */
  deviceCert: 1 * KiB,
  /** One encoded signed prekey body (an ML-KEM-768 public key is 1184 B). */
  prekey: 2 * KiB,
  /** Encoded prekey bundle (ML-KEM-768 public keys are 1184 B each). */
  prekeyBundle: 8 * KiB,
  /** Encoded session frame (initial PQXDH header or ratchet message, with ciphertext). */
  sessionMessage: MAX_SEALED_BYTES,
  /** Sealed envelope: the largest size bucket. */
  sealedEnvelope: MAX_SEALED_BYTES,
  /** Safety-number QR payload. */
  safetyQr: 128,
  /** Encoded file share record. */
  fileShare: 1 * KiB,
} as const
