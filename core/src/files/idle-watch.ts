/**
 * The idle limit of the reads on one file stream: "no frame for N ms" ends the stream. One timer
 * per stream that looks at the read in progress when it fires, instead of a timer, a cleared
 * timer and an `AbortSignal.any` for every frame: a file moves 64 frames per MiB, and that
 * per-frame bookkeeping was ~4 % of a receiving offscreen document's main thread (ADR 0440).
 *
 * Once the limit passed, the watch's signal stays aborted: a stream that went quiet that long is
 * given up, as before. `stop()` lets go of the timer when the stream ends; a watch that is never
 * stopped fires once more at most and then holds nothing.
 */
export class IdleWatch {
  readonly #controller = new AbortController()
  #timer: ReturnType<typeof setTimeout> | undefined
  /** When the timer fires (ms since the epoch), while it is armed. */
  #firesAt = 0
  /** When the read in progress started; 0 while no read is waiting. */
  #since = 0
  #limitMs = 0
  #combined: { caller: AbortSignal; signal: AbortSignal } | undefined

  /** Aborted (reason: a `TimeoutError`) once a read waited longer than its limit. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /**
   * The signal a read waits on: the watch's, joined with the caller's. Callers pass the same
   * signal for every read of a transfer, so the join is made once, not per frame.
   */
  signalWith(caller: AbortSignal | undefined): AbortSignal {
    if (caller === undefined) return this.#controller.signal
    if (this.#combined?.caller !== caller) {
      this.#combined = { caller, signal: AbortSignal.any([caller, this.#controller.signal]) }
    }
    return this.#combined.signal
  }

  /** A read starts and may wait up to `limitMs` for its frame. */
  begin(limitMs: number): void {
    const now = Date.now()
    this.#since = now
    this.#limitMs = limitMs
    // Armed for a later moment by an earlier read with a longer limit: bring it forward.
    if (this.#timer !== undefined && now + limitMs < this.#firesAt) this.#disarm()
    this.#arm(limitMs)
  }

  /** The read got its frame (or failed): nothing is waiting. */
  end(): void {
    this.#since = 0
  }

  /** The stream is over: the timer goes now. */
  stop(): void {
    this.#since = 0
    this.#disarm()
  }

  #arm(ms: number): void {
    if (this.#timer !== undefined || this.#controller.signal.aborted) return
    this.#firesAt = Date.now() + ms
    this.#timer = setTimeout(() => this.#check(), ms)
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #check(): void {
    this.#timer = undefined
    if (this.#since === 0) return
    const waited = Date.now() - this.#since
    if (waited >= this.#limitMs) {
      const error = new Error(`no frame arrived within ${this.#limitMs} ms`)
      error.name = 'TimeoutError'
      this.#controller.abort(error)
      return
    }
    this.#arm(this.#limitMs - waited)
  }
}
