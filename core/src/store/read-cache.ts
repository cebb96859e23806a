/**
 * Results of read-only work kept until the store is next written (issue 21: the popup's first
 * paint waits for the conversation list, whose transaction cost the host's thread — shared with
 * the popup's renderer — ~30 ms of a ~170 ms open).
 *
 * Correctness rests on one rule: every write to the store moves `generation()` on (the Dexie
 * store counts its middleware's mutations, the memory store its journals) before the writing
 * transaction commits. A value is kept with the generation taken before it was read and served
 * only while the generation is still that one: a write that the read may have missed (one that
 * began while it ran, or after) moves the generation on, and a write before it was committed
 * before the read began (IndexedDB starts overlapping transactions in the order they were made).
 * A write that aborts moves it on too: one needless re-read, never a stale one.
 * The store must be the database's only writer while it is open (the extension's host closes it
 * before anything else opens the database: locking, encrypting, erasing).
 *
 * Keys read with `refresh` are read again in the background once writes have paused for
 * `refreshQuietMs`, so the next popup finds the list of after a new message ready instead of
 * paying for it. A steady run of writes (a file transfer's progress rows) postpones that read
 * until it ends: the background read never competes with the work that writes.
 */
import type { StoreOperations } from './store.ts'

export interface ReadCacheOptions {
  /** Moves on with every write to the store (see above). */
  generation(): number
  /** Runs `work` in a read-only transaction of the store. */
  read<T>(work: (tx: StoreOperations) => Promise<T>): Promise<T>
  /** Writes must pause this long before kept `refresh` keys are read again (default 2 s: longer than the 1 s between a transfer's progress rows). */
  refreshQuietMs?: number
}

interface Entry {
  generation: number
  value: unknown
}

export class ReadCache {
  readonly #options: ReadCacheOptions
  readonly #entries = new Map<string, Entry>()
  /** Work of the keys to read again after writes. */
  readonly #refreshers = new Map<string, (tx: StoreOperations) => Promise<unknown>>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(options: ReadCacheOptions) {
    this.#options = options
  }

  /**
   * `work`'s result: the kept one if nothing was written since it was read, else read now and
   * kept. `work` must only read, and must give the same result for
   * the same stored data. Callers share the kept value: they must not change it.
   */
  async get<T>(
    key: string,
    work: (tx: StoreOperations) => Promise<T>,
    options: { refresh?: boolean } = {},
  ): Promise<T> {
    if (options.refresh === true && !this.#closed) this.#refreshers.set(key, work)
    const before = this.#options.generation()
    const kept = this.#entries.get(key)
    if (kept !== undefined && kept.generation === before) return kept.value as T
    const value = await this.#options.read(work)
    if (!this.#closed) this.#entries.set(key, { generation: before, value })
    return value
  }

  /** The store was written: read the `refresh` keys again once writes pause. */
  wrote(): void {
    if (this.#closed || this.#refreshers.size === 0) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      for (const [key, work] of this.#refreshers) {
        // A failed background read is read again by the next get(); nothing to report here.
        this.get(key, work).catch(() => undefined)
      }
    }, this.#options.refreshQuietMs ?? 2_000)
  }

  /** Drops what is kept and stops background reads (the store closed). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#entries.clear()
    this.#refreshers.clear()
  }
}
