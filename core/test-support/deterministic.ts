/**
 * Deterministic platform for tests and golden vectors: a seeded random source (ChaCha20 keystream
 * keyed by SHA-256 of the seed string) and a settable clock. Never use outside tests.
 */
import { chacha20 } from '@noble/ciphers/chacha.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { RandomSource, Clock, CryptoPlatform } from '../src/crypto/platform.ts'

export function seededRandom(seed: string): RandomSource {
  const key = sha256(new TextEncoder().encode(`hestia/test-rng/${seed}`))
  let counter = 0
  return (length: number) => {
    // A fresh 12-byte nonce per call (counter big-endian in the last 4 bytes): no keystream reuse.
    const nonce = new Uint8Array(12)
    new DataView(nonce.buffer).setUint32(8, counter++, false)
    return chacha20(key, nonce, new Uint8Array(length))
  }
}

export interface FixedClock {
  clock: Clock
  set(ms: number): void
  advance(ms: number): void
}

/** A clock that only moves when told to. */
export function fixedClock(startMs = Date.UTC(2026, 0, 1)): FixedClock {
  let now = startMs
  return {
    clock: () => now,
    set: (ms) => {
      now = ms
    },
    advance: (ms) => {
      now += ms
    },
  }
}

export function testPlatform(
  seed: string,
  startMs?: number,
): CryptoPlatform & { time: FixedClock } {
  const time = fixedClock(startMs)
  return { random: seededRandom(seed), clock: time.clock, time }
}

/** Path of the shared vectors folder (../shared/vectors beside the repo), or undefined. */
export const SHARED_VECTORS_RELATIVE = '../shared/vectors'
