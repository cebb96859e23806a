/**
 * A time limit for one operation that lets go of it as soon as the operation is over.
 *
 * `AbortSignal.timeout(ms)` cannot be cancelled: browsers (and Node) keep a timeout signal alive
 * until its time has passed whenever it has an abort listener, and everything those listeners
 * reach with it. @libp2p/webrtc's stream close waits with p-event, which adds abort listeners to
 * the signal it is given (or to its own 10 s timeout signal) and never removes them; each such
 * listener holds the stream and its RTCDataChannel. So every chat stream stayed in memory 5–30 s
 * after it ended: a 200-message chat held ~2 MiB of finished streams (ADR 0911). A deadline's
 * timer is cleared when the operation settles, and then nothing roots the signal or what its
 * listeners hold.
 *
 *   await withDeadline(5_000, (signal) => stream.close({ signal }))
 */

export interface Deadline {
  /** Aborts with a `TimeoutError` (as `AbortSignal.timeout` does) once the time is up. */
  readonly signal: AbortSignal
  /** The operation is over: the timer goes, the signal never aborts. Idempotent. */
  clear(): void
}

let pending = 0

/** Deadlines started and neither cleared nor expired (tests and diagnostics). */
export function pendingDeadlines(): number {
  return pending
}

export function deadline(ms: number): Deadline {
  if (!(ms >= 0)) throw new RangeError(`a deadline needs a time of 0 ms or more, not ${ms}`)
  const controller = new AbortController()
  let settled = false
  const settle = (): boolean => {
    if (settled) return false
    settled = true
    pending--
    return true
  }
  pending++
  const timer = setTimeout(() => {
    if (settle()) controller.abort(timeoutReason(ms))
  }, ms)
  return {
    signal: controller.signal,
    clear: () => {
      if (settle()) clearTimeout(timer)
    },
  }
}

/** Runs `operation` with a deadline of `ms`, cleared however the operation ends. */
export async function withDeadline<T>(
  ms: number,
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const limit = deadline(ms)
  try {
    return await operation(limit.signal)
  } finally {
    limit.clear()
  }
}

/** The reason `AbortSignal.timeout` gives, so callers that look at the error name see the same. */
function timeoutReason(ms: number): Error {
  const error = new Error(`the operation timed out after ${ms} ms`)
  error.name = 'TimeoutError'
  return error
}
