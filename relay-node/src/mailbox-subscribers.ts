/**
 * The live subscriptions of the mailbox protocol: a subscribe turns its stream into a push channel
 * for one mailbox. Pushes go out best effort and in order, one after another per subscriber; the
 * client only ever closes a subscription (any frame it sends ends it). A place is reserved when the
 * subscribe is accepted, before its answer is written, so subscribes arriving together on many
 * streams are all counted against the caps (ADR 0213).
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
  /** The connection identity (peer id) that subscribed. */
  peer: string
  /** Unset while the place is only reserved (the subscribe's answer is being written). */
  stream?: Stream
  lp?: CappedLpStream
  /** Push frames waiting for the one before them to be written, oldest first. */
  queue: Uint8Array[]
  busy: boolean
  /** The mailbox was closed or the relay stops before the reservation was attached. */
  ended: boolean
  /** Takes the place off the counts (once). */
  detach: () => void
}

/** A counted place for one subscription, turned into a push channel by `attach`. */
export interface SubscriberReservation {
  readonly mailboxId: Uint8Array
  /** Gives the place back: the subscribe's answer could not be written. */
  release(): void
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

export class MailboxSubscribers {
  readonly #byMailbox = new Map<string, Set<Subscriber>>()
  readonly #reserved = new WeakMap<SubscriberReservation, Subscriber>()
  readonly #writeTimeoutMs: number
  #total = 0

  constructor(options: { writeTimeoutMs: number }) {
    this.#writeTimeoutMs = options.writeTimeoutMs
  }

  /** Subscriptions over every mailbox. */
  get total(): number {
    return this.#total
  }

  /** Subscriptions of one mailbox, reserved ones included; of one peer only when `peer` is given. */
  count(mailboxId: Uint8Array, peer?: string): number {
    const set = this.#byMailbox.get(hex(mailboxId))
    if (set === undefined) return 0
    if (peer === undefined) return set.size
    let n = 0
    for (const sub of set) if (sub.peer === peer) n++
    return n
  }

  /**
   * Counts a subscription of `peer` to the mailbox at once; `attach` makes it a push channel.
   * Pushes arriving in between wait in its queue.
   */
  reserve(mailboxId: Uint8Array, peer: string): SubscriberReservation {
    const key = hex(mailboxId)
    let set = this.#byMailbox.get(key)
    if (set === undefined) {
      set = new Set()
      this.#byMailbox.set(key, set)
    }
    const owner = set
    const sub: Subscriber = { peer, queue: [], busy: false, ended: false, detach: () => undefined }
    sub.detach = () => {
      if (owner.delete(sub)) this.#total--
      if (owner.size === 0 && this.#byMailbox.get(key) === owner) this.#byMailbox.delete(key)
    }
    owner.add(sub)
    this.#total++
    const reservation = { mailboxId, release: () => sub.detach() }
    this.#reserved.set(reservation, sub)
    return reservation
  }

  /** Makes `stream` the push channel of a reserved place until either side closes it. */
  attach(reservation: SubscriberReservation, stream: Stream, lp: CappedLpStream): void {
    const sub = this.#reserved.get(reservation)
    if (sub === undefined) throw new Error('unknown subscriber reservation')
    this.#reserved.delete(reservation)
    if (sub.ended) {
      sub.detach()
      stream.abort(new Error('subscription ended'))
      return
    }
    sub.stream = stream
    sub.lp = lp
    const detach = sub.detach
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
    if (sub.queue.length > 0) void this.#drain(sub)
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
      if (!sub.busy && sub.lp !== undefined) void this.#drain(sub)
    }
  }

  /** Ends the subscriptions of one mailbox (it was closed). */
  end(mailboxId: Uint8Array): void {
    for (const sub of this.#byMailbox.get(hex(mailboxId)) ?? []) {
      const stream = sub.stream
      if (stream === undefined) {
        sub.ended = true
        continue
      }
      withDeadline(5_000, (signal) => stream.close({ signal })).catch(() => {
        stream.abort(new Error('mailbox closed'))
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
      for (const sub of set) {
        sub.ended = true
        sub.stream?.abort(new Error(reason))
      }
      set.clear()
    }
    this.#byMailbox.clear()
    this.#total = 0
  }

  async #drain(sub: Subscriber): Promise<void> {
    const { lp, stream } = sub
    if (lp === undefined || stream === undefined) return
    sub.busy = true
    try {
      for (let frame = sub.queue.shift(); frame !== undefined; frame = sub.queue.shift()) {
        await withDeadline(this.#writeTimeoutMs, (signal) => lp.write(frame, { signal }))
      }
    } catch {
      sub.queue.length = 0
      stream.abort(new Error('push failed'))
    } finally {
      sub.busy = false
    }
  }
}
