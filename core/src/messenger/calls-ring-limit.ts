/**
 * How often one contact may ring (review rf RF-7). Every ring opens a focused call window and a
 * notification, so a contact cycling offer → hangup with fresh call ids could otherwise flood the
 * screen. The rule: rings of a contact that ended while still ringing, without the user declining
 * (the caller hung up, the ring timed out, "answered elsewhere", a failure) are noted; once
 * `ringBurst` of them ended within `ringBurstWindowMs`, a new offer from that contact is not rung
 * but recorded as a missed call, until the oldest noted one leaves the window. Honest redials are
 * rarely that dense (a ring that times out lasts 45 s), and an answered or declined call does not
 * count: the user was there. Per contact, so a flood from one does not silence the others.
 */
export interface RingLimitTiming {
  ringBurst: number
  ringBurstWindowMs: number
}

export class RingLimiter {
  /** MessengerCalls.timing itself: tests that shorten it shorten this too. */
  readonly #timing: RingLimitTiming
  /** Per contact: when its recent unanswered rings ended (oldest first, at most ringBurst). */
  readonly #ended = new Map<string, number[]>()

  constructor(timing: RingLimitTiming) {
    this.#timing = timing
  }

  /** A ring from `contactId` ended unanswered at `now`. */
  note(contactId: string, now: number): void {
    const times = this.#recent(contactId, now)
    times.push(now)
    // Only the newest ringBurst matter for the rule.
    while (times.length > this.#timing.ringBurst) times.shift()
    this.#ended.set(contactId, times)
  }

  /** True when `contactId` may ring now. */
  mayRing(contactId: string, now: number): boolean {
    return this.#recent(contactId, now).length < this.#timing.ringBurst
  }

  /** The contact's noted ends still inside the window; forgets the contact when none are. */
  #recent(contactId: string, now: number): number[] {
    const times = (this.#ended.get(contactId) ?? []).filter(
      (t) => now - t < this.#timing.ringBurstWindowMs,
    )
    if (times.length === 0) this.#ended.delete(contactId)
    else this.#ended.set(contactId, times)
    return times
  }
}
