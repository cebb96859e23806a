/**
 * Building blocks of the fuzz and property tests: a seeded xorshift32 generator (fast and
 * reproducible, good enough to drive mutations, not for keys) and a byte splice. Each fuzz file
 * keeps its own input shapes; these are the parts they share.
 */

export interface Xorshift32 {
  /** The next 32-bit unsigned value. */
  next: () => number
  /** A value in [0, n). */
  below: (n: number) => number
}

export function xorshift32(seed: number): Xorshift32 {
  let x = seed >>> 0 || 1
  const next = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
  return { next, below: (n: number) => next() % n }
}

/** `b` with `remove` bytes at `at` replaced by `insert` (a new array; `b` is not changed). */
export function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length)
  out.set(b.subarray(0, at))
  out.set(insert, at)
  out.set(b.subarray(at + remove), at + insert.length)
  return out
}
