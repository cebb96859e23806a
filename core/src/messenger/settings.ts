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
import type { SettingsRecord } from '../store/records.ts'
import type { MessengerContext } from './context.ts'

type Result<V> = { ok: true; value: V } | ClientFailure

/**
 * The settings as stored, over the defaults: a field saved before it existed takes its default,
 * every saved choice is kept as it was; nothing saved yet is the defaults with `defaultRelays`.
 */
export function settingsFromStore(
  saved: SettingsRecord | undefined,
  defaultRelays: readonly string[],
): Settings {
  return saved === undefined
    ? defaultSettings([...defaultRelays])
    : { ...defaultSettings(saved.relays), ...saved }
}

/** The failure a settings request answers for an address that is no relay address, or null. */
export function relayAddressRefused(address: string): ClientFailure | null {
  const checked = checkRelayAddress(address, { allowPlainTcp: true })
  return checked.ok ? null : fail('relay_address_invalid', `${checked.part}: ${checked.hint}`)
}

/**
 * `current` with `address` added as the last relay; `current` itself when it is there already
 * (nothing to save), a `relay_address_invalid` failure when it is no relay address.
 */
export function withRelayAdded(current: Settings, address: string): Result<Settings> {
  const refused = relayAddressRefused(address)
  if (refused !== null) return refused
  if (current.relays.includes(address)) return ok(current)
  return ok({ ...current, relays: [...current.relays, address] })
}

export class MessengerSettings {
  readonly #ctx: MessengerContext
  readonly #announceRelays: () => Promise<void>
  readonly #defaultRelays: readonly string[]
  #current: Settings

  constructor(
    ctx: MessengerContext,
    defaultRelays: readonly string[],
    announceRelays: () => Promise<void>,
  ) {
    this.#ctx = ctx
    this.#announceRelays = announceRelays
    this.#defaultRelays = defaultRelays
    this.#current = defaultSettings([...defaultRelays])
  }

  get current(): Settings {
    return this.#current
  }

  /** Our relays; the first holds our mailboxes. */
  get relays(): string[] {
    return this.#current.relays
  }

  /** The stored settings, if the user ever saved any, else the defaults (settingsFromStore). */
  async load(): Promise<void> {
    this.#current = settingsFromStore(await this.#ctx.store.getSettings(), this.#defaultRelays)
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
    const added = withRelayAdded(this.#current, address)
    if (!added.ok || added.value === this.#current) return added
    return this.save(added.value)
  }

  removeRelay(address: string): Promise<Result<Settings>> {
    return this.save({
      ...this.#current,
      relays: this.#current.relays.filter((a) => a !== address),
    })
  }
}
