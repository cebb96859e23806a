/**
 * The platform the crypto layer takes injected: randomness and a clock. Tests pass a seeded
 * random source and a fixed clock so every byte is reproducible (golden vectors).
 */

/** Returns `length` uniformly random bytes. Must be a CSPRNG outside tests. */
export type RandomSource = (length: number) => Uint8Array

/** Milliseconds since the Unix epoch. */
export type Clock = () => number

/** WebCrypto's CSPRNG (`crypto.getRandomValues`), standard in browsers and Node. */
export const systemRandom: RandomSource = (length) => {
  const out = new Uint8Array(length)
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < length; i += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)))
  }
  return out
}

export const systemClock: Clock = () => Date.now()

export interface CryptoPlatform {
  random: RandomSource
  clock: Clock
}

export const systemPlatform: CryptoPlatform = { random: systemRandom, clock: systemClock }
