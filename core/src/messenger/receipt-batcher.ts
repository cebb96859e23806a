/**
 * Delivery receipts, delayed and batched (issue #18, ADR 0751). A receipt sent the moment a
 * message arrives tells whoever watches the relays that the sender's mailbox deposit and the
 * recipient's answer belong together (how sealed-sender users were linked: Martiny et al., NDSS
 * 2021). Instead, the first delivered message of a conversation starts a batch; every message of
 * that conversation delivered before a random delay (uniform, 1–30 s by default) ends joins it,
 * and one receipt payload then names them all.
 *
 * Batches live in memory: an orderly stop writes them to the outbox at once (sent at the next
 * start); a crash loses them, and those messages stay "sent" on the sender's side. `stop()` also
 * waits for every receipt already on its way to the outbox, so nothing reaches the store after it.
 */
import type { RandomSource } from '../crypto/platform.ts'
import { toBase64Url } from './records.ts'

export interface ReceiptDelay {
  minMs: number
  maxMs: number
}

/** The default window: at least 1 s, at most 30 s after the first message of a batch. */
export const DEFAULT_RECEIPT_DELAY: ReceiptDelay = { minMs: 1_000, maxMs: 30_000 }

export interface ReceiptBatcherOptions {
  delay: ReceiptDelay
  random: RandomSource
  /** settings.delayReceipts: false sends each receipt at once (as before ADR 0751). */
  delayed: () => boolean
  /** Queues one conversation's receipts in the outbox (durably) and runs it. */
  send: (conversationId: string, messageIds: Uint8Array[]) => Promise<void>
  log: (message: string, err?: unknown) => void
}

interface Batch {
  ids: Map<string, Uint8Array>
  timer: ReturnType<typeof setTimeout>
}

export class ReceiptBatcher {
  readonly #opts: ReceiptBatcherOptions
  readonly #batches = new Map<string, Batch>()
  /** Receipts being written to the outbox now; stop() waits for them. */
  readonly #sending = new Set<Promise<void>>()
  #stopped = false

  constructor(opts: ReceiptBatcherOptions) {
    const { minMs, maxMs } = opts.delay
    if (!(
      Number.isSafeInteger(minMs) &&
      Number.isSafeInteger(maxMs) &&
      0 <= minMs &&
      minMs <= maxMs
    ))
      throw new RangeError('receipt delay: whole milliseconds with 0 ≤ minMs ≤ maxMs')
    this.#opts = opts
  }

  /** Messages of `conversationId` were delivered (or seen again): acknowledge them, later. */
  add(conversationId: string, messageIds: Uint8Array[]): void {
    if (messageIds.length === 0) return
    if (this.#stopped || !this.#opts.delayed()) {
      void this.#send(conversationId, messageIds)
      return
    }
    let batch = this.#batches.get(conversationId)
    if (batch === undefined) {
      const timer = setTimeout(() => void this.#flush(conversationId), this.#delayMs())
      batch = { ids: new Map(), timer }
      this.#batches.set(conversationId, batch)
    }
    // A re-delivered copy is named once per batch.
    for (const id of messageIds) batch.ids.set(toBase64Url(id), id)
  }

  /** Conversations with a batch waiting (for tests and diagnostics). */
  get waiting(): number {
    return this.#batches.size
  }

  /**
   * Writes every waiting batch to the outbox now and waits for every receipt on its way there;
   * later receipts go there at once (the caller stops adding before its store closes).
   */
  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.all([...this.#batches.keys()].map((id) => this.#flush(id)))
    while (this.#sending.size > 0) await Promise.all(this.#sending)
  }

  async #flush(conversationId: string): Promise<void> {
    const batch = this.#batches.get(conversationId)
    if (batch === undefined) return
    clearTimeout(batch.timer)
    this.#batches.delete(conversationId)
    await this.#send(conversationId, [...batch.ids.values()])
  }

  #send(conversationId: string, ids: Uint8Array[]): Promise<void> {
    // Called now (not a tick later); a synchronous throw becomes a rejection like any other.
    const sending = (async () => this.#opts.send(conversationId, ids))()
      .catch((err: unknown) => this.#opts.log('delivery receipts not queued', err))
      .finally(() => this.#sending.delete(sending))
    this.#sending.add(sending)
    return sending
  }

  /** Uniform in [minMs, maxMs], from the CSPRNG (a predictable delay could be subtracted). */
  #delayMs(): number {
    const { minMs, maxMs } = this.#opts.delay
    const bytes = this.#opts.random(4)
    const r =
      (((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) / 2 ** 32
    return minMs + Math.floor(r * (maxMs - minMs + 1))
  }
}
