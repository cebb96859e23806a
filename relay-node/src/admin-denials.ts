/**
 * Admin requests without a valid key, rate-limited and aggregated for the audit log. Issue 15 saw
 * the log grow by about 19 MB/s (one fsynced line per keyless request). Now, per source address
 * and minute: the first denial is written at once (an operator sees an attempt immediately), the
 * rest are counted and written as one line when the minute ends. Past the rate limit a source gets
 * 429 and nothing but the count.
 */
import type { AuditLog } from './audit-log.ts'
import { RateLimiter } from './rate-limit.ts'
import type { RateLimit } from './rate-limit.ts'

export const DENIAL_WINDOW_MS = 60_000
/** Sources tracked at once; beyond it they share one line under "other". */
export const MAX_DENIAL_SOURCES = 256

interface Window {
  startedAt: number
  /** Denials after the first, not written yet. */
  denied: number
  rateLimited: number
  actions: Set<string>
}

export class AdminDenials {
  private readonly audit: AuditLog
  private readonly now: () => number
  private readonly limiter: RateLimiter
  private readonly windows = new Map<string, Window>()
  private readonly timer: NodeJS.Timeout

  constructor(init: { audit: AuditLog; now: () => number; rate: RateLimit }) {
    this.audit = init.audit
    this.now = init.now
    this.limiter = new RateLimiter(init.rate, init.now)
    this.timer = setInterval(() => this.flush(false), DENIAL_WINDOW_MS / 4)
    this.timer.unref()
  }

  /**
   * Counts one keyless request from `source`; returns 0 to answer 401, or the milliseconds to put
   * in Retry-After with a 429.
   */
  deny(source: string, action: string): number {
    const waitMs = this.limiter.take(source)
    const key =
      this.windows.has(source) || this.windows.size < MAX_DENIAL_SOURCES ? source : 'other'
    let w = this.windows.get(key)
    if (w !== undefined && this.now() - w.startedAt >= DENIAL_WINDOW_MS) {
      this.write(key, w)
      this.windows.delete(key)
      w = undefined
    }
    if (w === undefined) {
      w = { startedAt: this.now(), denied: 0, rateLimited: 0, actions: new Set() }
      this.windows.set(key, w)
      this.audit.append({
        action: action.slice(0, 64),
        actor: 'unknown',
        result: waitMs > 0 ? 'rate_limited' : 'denied',
        source: key,
        count: 1,
      })
      return waitMs
    }
    if (w.actions.size < 8) w.actions.add(action.slice(0, 64))
    if (waitMs > 0) w.rateLimited++
    else w.denied++
    return waitMs
  }

  /** Writes the windows that ended (all of them with `all`, at shutdown). */
  flush(all: boolean): void {
    for (const [key, w] of this.windows) {
      if (!all && this.now() - w.startedAt < DENIAL_WINDOW_MS) continue
      this.write(key, w)
      this.windows.delete(key)
    }
  }

  private write(source: string, w: Window): void {
    const count = w.denied + w.rateLimited
    if (count === 0) return
    this.audit.append({
      action: [...w.actions].join(',') || 'unknown',
      actor: 'unknown',
      result: w.rateLimited > 0 ? 'rate_limited' : 'denied',
      source,
      count,
      target: { denied: w.denied, rateLimited: w.rateLimited },
      detail: `further keyless admin requests in the minute from ${new Date(w.startedAt).toISOString()}`,
    })
  }

  close(): void {
    clearInterval(this.timer)
    this.flush(true)
  }
}
