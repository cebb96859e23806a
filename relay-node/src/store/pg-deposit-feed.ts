/**
 * The PostgreSQL store's feed of what other instances did (ADR 0230): one LISTEN connection per
 * relay instance on the channel every committed deposit (mailbox id in hex, ':' and its sequence)
 * and every deleted mailbox (sequence 0) is announced on; a batch of deposits shares notifications
 * (entries separated by spaces, ADR 0240). PostgreSQL delivers notifications at
 * commit, in commit order. A lost connection is re-made with backoff; notifications sent meanwhile
 * are lost, so once it is back `gap` tells the listeners.
 */
import pg from 'pg'
import type { StoreEvents } from './mailbox-store.ts'

export const DEPOSIT_CHANNEL = 'hestia_deposit'

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export class PgDepositFeed {
  readonly #url: string
  readonly #onConnectionError: ((err: unknown) => void) | undefined
  readonly #listeners = new Set<StoreEvents>()
  #client: pg.Client | undefined
  #retry: ReturnType<typeof setTimeout> | undefined
  /** A LISTEN connection worked before: the next one that works follows a gap in the feed. */
  #listenedBefore = false
  #closed = false

  constructor(options: { url: string; onConnectionError?: (err: unknown) => void }) {
    this.#url = options.url
    this.#onConnectionError = options.onConnectionError
  }

  /** Starts listening (once); resolves with a function that stops these calls. */
  async watch(events: StoreEvents): Promise<() => void> {
    this.#listeners.add(events)
    if (this.#client === undefined && this.#retry === undefined) await this.#listen(0)
    return () => {
      this.#listeners.delete(events)
    }
  }

  /** One notification: one or more `<id hex>:<seq>` separated by spaces, in commit order. */
  #dispatch(payload: string | undefined): void {
    for (const entry of payload?.split(' ') ?? []) {
      const colon = entry.indexOf(':')
      if (colon !== 64 || !/^\d+$/.test(entry.slice(colon + 1))) continue
      const mailboxId = hexToBytes(entry.slice(0, colon))
      const id = BigInt(entry.slice(colon + 1))
      for (const l of this.#listeners) {
        if (id === 0n) l.closed?.(mailboxId)
        else l.deposit(mailboxId, id)
      }
    }
  }

  async #listen(attempt: number): Promise<void> {
    this.#retry = undefined
    if (this.#closed) return
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: 5_000,
      application_name: 'hestia-relay-listen',
    })
    const retry = (err: unknown) => {
      if (this.#client === client) this.#client = undefined
      client.end().catch(() => undefined)
      if (this.#closed || this.#retry !== undefined) return
      this.#onConnectionError?.(err)
      const delay = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6))
      this.#retry = setTimeout(() => void this.#listen(attempt + 1), delay)
      this.#retry.unref()
    }
    client.on('error', retry)
    client.on('end', () => {
      if (!this.#closed && this.#client === client) retry(new Error('LISTEN connection ended'))
    })
    client.on('notification', (msg) => {
      if (msg.channel === DEPOSIT_CHANNEL) this.#dispatch(msg.payload)
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${DEPOSIT_CHANNEL}`)
      this.#client = client
      attempt = 0
      if (this.#listenedBefore) for (const l of this.#listeners) l.gap?.()
      this.#listenedBefore = true
    } catch (err) {
      retry(err)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#retry)
    const c = this.#client
    this.#client = undefined
    await c?.end().catch(() => undefined)
  }
}
