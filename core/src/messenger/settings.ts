/**
 * The user's settings as the messenger holds them: loaded at start, saved on change (with a
 * `settings.changed` event), and what each settings request changes. A change of relays is
 * announced to every contact (the messenger's `announceRelays`) before the event goes out, so the
 * host that restarts the node on that event finds the Hellos queued.
 */
import {
  defaultSettings,
  fail,
  ok,
  type ClientFailure,
  type Settings,
  type SettingsPatch,
} from '../client/api.ts'
import { checkRelayAddress } from '../client/relay-address.ts'
import type { MessengerContext } from './context.ts'

type Result<V> = { ok: true; value: V } | ClientFailure

export class MessengerSettings {
  readonly #ctx: MessengerContext
  readonly #announceRelays: () => Promise<void>
  #current: Settings

  constructor(
    ctx: MessengerContext,
    defaultRelays: readonly string[],
    announceRelays: () => Promise<void>,
  ) {
    this.#ctx = ctx
    this.#announceRelays = announceRelays
    this.#current = defaultSettings([...defaultRelays])
  }

  get current(): Settings {
    return this.#current
  }

  /** Our relays; the first holds our mailboxes. */
  get relays(): string[] {
    return this.#current.relays
  }

  /**
   * The stored settings, if the user ever saved any (else the defaults stay). Settings saved before
   * a field existed take that field's default; every saved choice is kept as it was.
   */
  async load(): Promise<void> {
    const saved = await this.#ctx.store.getSettings()
    if (saved !== undefined) this.#current = { ...defaultSettings(saved.relays), ...saved }
  }

  async save(next: Settings): Promise<Result<Settings>> {
    const relaysChanged = next.relays.join('\n') !== this.#current.relays.join('\n')
    this.#current = next
    await this.#ctx.store.putSettings(next)
    if (relaysChanged) await this.#announceRelays()
    this.#ctx.emit({ type: 'settings.changed', settings: next })
    return ok(next)
  }

  update(patch: SettingsPatch): Promise<Result<Settings>> {
    const s = this.#current
    return this.save({
      ...s,
      notifications: { ...s.notifications, ...patch.notifications },
      readReceipts: patch.readReceipts ?? s.readReceipts,
      delayReceipts: patch.delayReceipts ?? s.delayReceipts,
      relayOnly: patch.relayOnly ?? s.relayOnly,
    })
  }

  async addRelay(address: string): Promise<Result<Settings>> {
    const checked = checkRelayAddress(address, { allowPlainTcp: true })
    if (!checked.ok) return fail('relay_address_invalid', `${checked.part}: ${checked.hint}`)
    if (this.#current.relays.includes(address)) return ok(this.#current)
    return this.save({ ...this.#current, relays: [...this.#current.relays, address] })
  }

  removeRelay(address: string): Promise<Result<Settings>> {
    return this.save({
      ...this.#current,
      relays: this.#current.relays.filter((a) => a !== address),
    })
  }
}
