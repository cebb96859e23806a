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
  /** libp2p PeerId bytes inside a device certificate (identity multihash of an Ed25519 key is 38 B). */
  peerId: 128,
  /** Encoded prekey bundle (ML-KEM-768 public keys are 1184 B each). */
  prekeyBundle: 8 * KiB,
  /** One-time prekeys carried in one bundle. */
  oneTimePrekeysPerBundle: 1,
  /** Encoded session message (ratchet header + ciphertext), whole frame. */
  sessionMessage: MAX_SEALED_BYTES,
  /** Initial PQXDH message including the ML-KEM-768 ciphertext (1088 B). */
  initialMessage: MAX_SEALED_BYTES,
  /** Sealed envelope: the largest size bucket. */
  sealedEnvelope: MAX_SEALED_BYTES,
  /** Safety-number QR payload. */
  safetyQr: 128,
  /** Encoded file share record. */
  fileShare: 1 * KiB,
  /** Encoded session state snapshot (JSON-able object form, checked on restore). */
  sessionSkippedKeys: 2000,
} as const
