/**
 * The live subscriptions of the mailbox protocol: a subscribe turns its stream into a push channel
 * for one mailbox. Pushes go out best effort and in order, one after another per subscriber; the
 * client only ever closes a subscription (any frame it sends ends it).
 */
import type { Stream } from '@libp2p/interface'
import { encodePush } from '@hestia/core/mailbox/index.ts'
import { withDeadline } from '@hestia/core/wire/deadline.ts'
import type { CappedLpStream } from './capped-lp-stream.ts'

/**
 * Pushes one subscriber may have waiting; past this it misses pushes and picks the messages up with
 * its next fetch.
 */
export const MAX_QUEUED_PUSHES = 256

export type PushMessage = Parameters<typeof encodePush>[0]

interface Subscriber {
  stream: Stream
  lp: CappedLpStream
  /** Push frames waiting for the one before them to be written, oldest first. */
  queue: Uint8Array[]
  busy: boolean
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

export class MailboxSubscribers {
  readonly #byMailbox = new Map<string, Set<Subscriber>>()
  readonly #writeTimeoutMs: number
  #total = 0

  constructor(options: { writeTimeoutMs: number }) {
    this.#writeTimeoutMs = options.writeTimeoutMs
  }

  /** Subscriptions over every mailbox. */
  get total(): number {
    return this.#total
  }

  /** Subscriptions of one mailbox. */
  count(mailboxId: Uint8Array): number {
    return this.#byMailbox.get(hex(mailboxId))?.size ?? 0
  }

  /** Makes `stream` a push channel of the mailbox until either side closes it. */
  attach(mailboxId: Uint8Array, stream: Stream, lp: CappedLpStream): void {
    const key = hex(mailboxId)
    let set = this.#byMailbox.get(key)
    if (set === undefined) {
      set = new Set()
      this.#byMailbox.set(key, set)
    }
    const sub: Subscriber = { stream, lp, queue: [], busy: false }
    set.add(sub)
    this.#total++
    const detach = () => {
      if (set.delete(sub)) this.#total--
      if (set.size === 0) this.#byMailbox.delete(key)
    }
    stream.addEventListener('close', detach, { once: true })
    // The client only ever closes a subscription; any frame it sends ends it.
    lp.read()
      .catch(() => undefined)
      .finally(() => {
        detach()
        withDeadline(5_000, (signal) => stream.close({ signal })).catch(() => {
          stream.abort(new Error('subscription ended'))
        })
      })
  }

  /**
   * Best effort, in order: a subscriber gets its pushes one after another; one that lets more than
   * MAX_QUEUED_PUSHES pile up misses the newer ones and picks them up with its next fetch.
   */
  push(mailboxId: Uint8Array, message: PushMessage): void {
    const set = this.#byMailbox.get(hex(mailboxId))
    if (set === undefined) return
    const frame = encodePush(message)
    for (const sub of set) {
      if (sub.queue.length >= MAX_QUEUED_PUSHES) continue
      sub.queue.push(frame)
      if (!sub.busy) void this.#drain(sub)
    }
  }

  /** Ends the subscriptions of one mailbox (it was closed). */
  end(mailboxId: Uint8Array): void {
    for (const sub of this.#byMailbox.get(hex(mailboxId)) ?? []) {
      withDeadline(5_000, (signal) => sub.stream.close({ signal })).catch(() => {
        sub.stream.abort(new Error('mailbox closed'))
      })
    }
  }

  /**
   * Ends every subscription gracefully: clients re-subscribe and fetch, which picks up pushes they
   * may have missed (a shared store's deposit feed was interrupted: ADR 0230).
   */
  endAll(): void {
    for (const key of [...this.#byMailbox.keys()]) this.end(Buffer.from(key, 'hex'))
  }

  /** Aborts every subscription (the relay stops). */
  abortAll(reason: string): void {
    for (const set of this.#byMailbox.values()) {
      for (const sub of set) sub.stream.abort(new Error(reason))
    }
    this.#byMailbox.clear()
    this.#total = 0
  }

  async #drain(sub: Subscriber): Promise<void> {
    sub.busy = true
    try {
      for (let frame = sub.queue.shift(); frame !== undefined; frame = sub.queue.shift()) {
        await withDeadline(this.#writeTimeoutMs, (signal) => sub.lp.write(frame, { signal }))
      }
    } catch {
      sub.queue.length = 0
      sub.stream.abort(new Error('push failed'))
    } finally {
      sub.busy = false
    }
  }
}
