/**
 * Keys seen before, the newest `max` of them, in memory: what the primary passed on already
 * (own-channel.ts, review 11 F5).
 */
export class SeenOnce {
  readonly #keys = new Set<string>()
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  /** True the first time `key` is given (then remembered); false after. */
  first(key: string): boolean {
    if (this.#keys.has(key)) return false
    this.#keys.add(key)
    if (this.#keys.size > this.#max) this.#keys.delete(this.#keys.values().next().value!)
    return true
  }

  forget(key: string): void {
    this.#keys.delete(key)
  }
}
