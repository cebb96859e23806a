/**
 * Rows already opened while unlocked (ADR 0522): reading a row again (a chat opened again, the
 * conversation list after every event, a history page after a new message) answers from memory
 * instead of running the AEAD and the CBOR decoder again.
 *
 * A memo of a deterministic function: an entry is used only for the same table and record id and
 * byte-for-byte the same sealed value as the one opened (and authenticated) before, so it answers
 * exactly what opening would; a changed byte, a value moved to another record, or a rewrite is
 * opened and checked again. Every answer is a deep copy (callers may change or zero what they
 * get). Bounded by bytes (oldest entries leave first); emptied, plaintext bytes zeroed, on lock.
 */

type Row = Record<string, unknown>

/** A copy no caller can reach the memo through: objects, arrays and byte arrays are copied. */
export function copyRow<T>(value: T): T {
  if (value instanceof Uint8Array) return value.slice() as T
  if (Array.isArray(value)) return value.map(copyRow) as T
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key in value) out[key] = copyRow((value as Record<string, unknown>)[key])
    return out as T
  }
  return value
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Byte arrays inside a row, zeroed when the row leaves the memo. */
function zeroBytes(value: unknown): void {
  if (value instanceof Uint8Array) value.fill(0)
  else if (Array.isArray(value)) value.forEach(zeroBytes)
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) zeroBytes(v)
}

/** Default budget: about 20,000 message rows. */
export const OPENED_ROWS_BYTES = 8 * 1024 * 1024

export class OpenedRows {
  readonly #entries = new Map<string, { sealed: Uint8Array; row: Row; size: number }>()
  readonly #budget: number
  #bytes = 0

  constructor(budgetBytes = OPENED_ROWS_BYTES) {
    this.#budget = budgetBytes
  }

  /** A copy of the row opened from exactly `sealed` at `key`, or undefined. */
  get(key: string, sealed: Uint8Array): Row | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined || !sameBytes(entry.sealed, sealed)) return undefined
    return copyRow(entry.row)
  }

  /** Keeps `row` (not copied: the caller hands over an object nobody else holds). */
  put(key: string, sealed: Uint8Array, row: Row): void {
    // The plaintext is about as large as the sealed value; count both.
    const size = 2 * sealed.length + 64
    if (size > this.#budget / 64) return
    this.#drop(key)
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes + size <= this.#budget) break
      this.#drop(oldest)
    }
    this.#entries.set(key, { sealed: sealed.slice(), row, size })
    this.#bytes += size
  }

  get size(): number {
    return this.#entries.size
  }

  clear(): void {
    for (const key of [...this.#entries.keys()]) this.#drop(key)
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    this.#entries.delete(key)
    this.#bytes -= entry.size
    zeroBytes(entry.row)
  }
}
