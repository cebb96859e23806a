/**
 * Token buckets keyed by peer id or IP. The map is bounded: when it is full the stalest buckets are
 * dropped (a dropped bucket starts full again, which only ever favours the client).
 */
export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number
  /** Burst size. */
  burst: number
}

interface Bucket {
  tokens: number
  updatedAt: number
}

export const MAX_TRACKED_KEYS = 50_000

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly limit: RateLimit
  private readonly now: () => number

  constructor(limit: RateLimit, now: () => number = Date.now) {
    this.limit = limit
    this.now = now
  }

  /** Takes one token; returns 0 if allowed, else the milliseconds until a token is available. */
  take(key: string): number {
    const now = this.now()
    let b = this.buckets.get(key)
    if (b === undefined) {
      if (this.buckets.size >= MAX_TRACKED_KEYS) this.evict()
      b = { tokens: this.limit.burst, updatedAt: now }
    } else {
      this.buckets.delete(key) // re-insert below: Map order doubles as least-recently-used order
      // A clock set back (an hour, say) must not take tokens away: elapsed time is never negative.
      const elapsedMs = Math.max(0, now - b.updatedAt)
      b.tokens = Math.min(this.limit.burst, b.tokens + (elapsedMs / 1000) * this.limit.perSecond)
      b.updatedAt = now
    }
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - b.tokens) / this.limit.perSecond) * 1000)
  }

  private evict(): void {
    let n = Math.ceil(MAX_TRACKED_KEYS / 10)
    for (const key of this.buckets.keys()) {
      if (n-- <= 0) break
      this.buckets.delete(key)
    }
  }
}
