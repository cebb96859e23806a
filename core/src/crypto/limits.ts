/**
 * Every limit of the crypto layer in one place (cited in docs/protocol/crypto.md). Counts and ages
 * a peer can drive are capped here.
 */
export const CRYPTO_FORMAT_VERSION = 1

export const MINUTE_MS = 60_000
export const DAY_MS = 86_400_000

export const LIMITS = {
  /** Double Ratchet §3.5/§6.4: message keys skipped in one chain by one incoming message. */
  maxSkipPerChain: 1000,
  /** Double Ratchet §6.4: skipped message keys stored in total; the oldest are dropped first. */
  maxStoredSkippedKeys: 2000,
  /** Message ids remembered for dedupe (ring, oldest dropped first). */
  maxSeenMessageIds: 2000,
  /** Messages older than this (sender clock) are rejected as stale. */
  maxMessageAgeMs: 30 * DAY_MS,
  /** Messages dated further in the future than this are rejected. */
  maxClockSkewMs: 60 * MINUTE_MS,
  /** Certificates and prekeys may be dated this far in the future (clock skew). */
  certClockSkewMs: 5 * MINUTE_MS,
  /** Longest device-certificate lifetime a verifier accepts. */
  maxDeviceCertLifetimeMs: 400 * DAY_MS,
  /** Longest prekey lifetime a verifier accepts. */
  maxPrekeyLifetimeMs: 90 * DAY_MS,
  /** Application body inside one ratchet message (fits the largest sealed bucket). */
  maxMessageBodyBytes: 60 * 1024,
  /** libp2p PeerId bytes in a device certificate. */
  maxPeerIdBytes: 128,
} as const
