/**
 * Live delivery of group mailboxes (docs/protocol/groups.md "Live delivery"): for each group this
 * device takes part in, a subscription to the group mailbox; every push makes the member read the
 * mailbox (in order, through its channel). A group whose subscription the relay refuses (it
 * allows a few live subscribers per mailbox) or that dropped is subscribed again after a backoff.
 * Every group is also read on a timer, subscribed or not (a safety net: a stream can look open
 * and push nothing). A first read follows every (re)subscription: what arrived while no
 * subscription was open is read then.
 */
export interface GroupSubscription {
  ended: Promise<void>
  close(): Promise<void>
}

export interface GroupWatchDeps {
  subscribe(groupId: string, onPush: () => void): Promise<GroupSubscription>
  catchUp(groupId: string): Promise<void>
  log(message: string, err: unknown): void
}

export const GROUP_WATCH_TIMING = {
  /** How often every watched group is read (the safety net under the subscription). */
  pollMs: 20_000,
  /** Backoff before subscribing again after a refusal or a dropped stream (doubles, capped). */
  retryMinMs: 2_000,
  retryMaxMs: 120_000,
} as const

export type GroupWatchTiming = { readonly [K in keyof typeof GROUP_WATCH_TIMING]: number }

interface Watched {
  subscription: GroupSubscription | null
  retryAt: number
  backoff: number
  attaching: boolean
  /** The next attempt after a refusal or a drop, at the backoff (not at the next poll). */
  retry: ReturnType<typeof setTimeout> | null
}

export class GroupWatch {
  readonly #deps: GroupWatchDeps
  readonly #timing: GroupWatchTiming
  readonly #watched = new Map<string, Watched>()
  #timer: ReturnType<typeof setInterval> | null = null
  #stopped = false

  constructor(deps: GroupWatchDeps, timing: GroupWatchTiming = GROUP_WATCH_TIMING) {
    this.#deps = deps
    this.#timing = timing
  }

  start(): void {
    this.#stopped = false
    this.#timer ??= setInterval(() => this.#tick(), this.#timing.pollMs)
  }

  watch(groupId: string): void {
    if (this.#stopped || this.#watched.has(groupId)) return
    const w: Watched = {
      ...{ subscription: null, retryAt: 0, backoff: 0 },
      ...{ attaching: false, retry: null },
    }
    this.#watched.set(groupId, w)
    void this.#attach(groupId, w)
    // Read now too, not only once the subscription is open (which can take a dial's timeout).
    void this.#read(groupId)
  }

  async unwatch(groupId: string): Promise<void> {
    const w = this.#watched.get(groupId)
    this.#watched.delete(groupId)
    if (w?.retry != null) clearTimeout(w.retry)
    await w?.subscription?.close().catch(() => undefined)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    const all = [...this.#watched.keys()]
    await Promise.all(all.map((g) => this.unwatch(g)))
  }

  #tick(): void {
    const now = Date.now()
    for (const [groupId, w] of this.#watched) {
      // Read even while subscribed: a stream can look open and push nothing (a link dropped
      // without a close reaching us; seen in Firefox), and a missed push has no other repair. And
      // while a subscription is still being opened: that can take as long as a dial's timeout
      // (a browser back from a restart read its group 33 s late, ADR 0775).
      if (w.subscription === null && now >= w.retryAt && !w.attaching) void this.#attach(groupId, w)
      else void this.#read(groupId)
    }
  }

  async #attach(groupId: string, w: Watched): Promise<void> {
    w.attaching = true
    try {
      const sub = await this.#deps.subscribe(groupId, () => void this.#read(groupId))
      if (this.#stopped || this.#watched.get(groupId) !== w) {
        await sub.close().catch(() => undefined)
        return
      }
      w.subscription = sub
      w.backoff = 0
      void sub.ended.then(() => {
        if (w.subscription === sub) w.subscription = null
        this.#later(w)
      })
    } catch (err) {
      this.#deps.log('group mailbox subscribe', err)
      this.#later(w)
    } finally {
      w.attaching = false
    }
    await this.#read(groupId)
  }

  #later(w: Watched): void {
    const t = this.#timing
    w.backoff = Math.min(t.retryMaxMs, w.backoff === 0 ? t.retryMinMs : w.backoff * 2)
    w.retryAt = Date.now() + w.backoff
    // Tried again at the backoff itself: waiting for the next poll made a browser that failed its
    // first subscription at start (relay not connected yet) read its groups 20-35 s late (ADR 0775).
    if (w.retry !== null) clearTimeout(w.retry)
    w.retry = null
    // Not for a watch that stopped or a group no longer watched (nothing may stay timed then).
    if (this.#stopped || ![...this.#watched.values()].includes(w)) return
    w.retry = setTimeout(() => {
      w.retry = null
      const groupId = [...this.#watched].find(([, x]) => x === w)?.[0]
      if (groupId !== undefined && !this.#stopped && w.subscription === null && !w.attaching)
        void this.#attach(groupId, w)
    }, w.backoff)
  }

  async #read(groupId: string): Promise<void> {
    if (this.#stopped || !this.#watched.has(groupId)) return
    await this.#deps.catchUp(groupId).catch((err) => this.#deps.log('group catch-up', err))
  }
}
