/**
 * The ICE servers a call window uses (client API `call.iceServers`, ADR 0452): the STUN responder
 * and the TURN credentials of the user's own relays. TURN credentials come from each relay's
 * mailbox `info` (ADR 0450), are kept until half their lifetime is gone (so a call never starts on
 * one about to expire; coturn checks it again at every allocation refresh) and asked again after.
 * An ask that fails or takes longer than FETCH_WAIT_MS leaves TURN out (or keeps a still-valid
 * earlier credential): a call window never waits long for it, and STUN and host candidates still
 * connect most pairs.
 *
 * In relay-only mode (ADR 0752) calls are off and nothing is asked.
 */
import { deadline } from '../wire/deadline.ts'
import {
  TURN_MIN_REMAINING_MS,
  stunServersForRelays,
  turnServersFromRelay,
  type IceServer,
  type TurnOffer,
} from '../client/api/ice-servers.ts'

/** At most this many relays are asked for TURN (the first are the user's home relays). */
export const TURN_RELAYS = 2
/** How long a call window's start may wait for a relay's answer. */
export const FETCH_WAIT_MS = 3_000

export interface CallIceServersDeps {
  /** The user's relays, home first. */
  relays(): readonly string[]
  /** The relay's mailbox `info` (its TURN offers). */
  turnOffers(relay: string): Promise<readonly TurnOffer[]>
  clock(): number
  log(message: string, err?: unknown): void
  /** How long to wait for a relay's answer (default FETCH_WAIT_MS; tests shorten it). */
  fetchWaitMs?: number
}

interface Cached {
  readonly servers: IceServer[]
  readonly expiresAtMs: number
  /** Asked again from here on: half the lifetime it had when it came. */
  readonly refreshAtMs: number
}

export class CallIceServers {
  readonly #deps: CallIceServersDeps
  readonly #cache = new Map<string, Cached>()
  readonly #asking = new Map<string, Promise<Cached | undefined>>()

  constructor(deps: CallIceServersDeps) {
    this.#deps = deps
  }

  /** STUN of the relays first, then each relay's usable TURN servers. */
  async current(): Promise<IceServer[]> {
    const relays = this.#deps.relays()
    const turn = await Promise.all(relays.slice(0, TURN_RELAYS).map((r) => this.#turnFor(r)))
    return [...stunServersForRelays(relays), ...turn.flat()]
  }

  async #turnFor(relay: string): Promise<IceServer[]> {
    const now = this.#deps.clock()
    const cached = this.#cache.get(relay)
    if (cached !== undefined && now < cached.refreshAtMs) return cached.servers
    const fresh = await this.#ask(relay, now)
    if (fresh !== undefined) return fresh.servers
    // The relay did not answer: an earlier credential is still good for a call's start.
    if (cached !== undefined && cached.expiresAtMs - this.#deps.clock() >= TURN_MIN_REMAINING_MS)
      return cached.servers
    this.#cache.delete(relay)
    return []
  }

  #ask(relay: string, now: number): Promise<Cached | undefined> {
    let asking = this.#asking.get(relay)
    if (asking === undefined) {
      asking = within(this.#deps.fetchWaitMs ?? FETCH_WAIT_MS, this.#deps.turnOffers(relay))
        .then((offers) => {
          const { servers, expiresAtMs } = turnServersFromRelay(relay, offers, now)
          if (expiresAtMs === undefined) {
            this.#cache.delete(relay)
            return { servers: [], expiresAtMs: now, refreshAtMs: now }
          }
          const entry = { servers, expiresAtMs, refreshAtMs: now + (expiresAtMs - now) / 2 }
          this.#cache.set(relay, entry)
          return entry
        })
        .catch((err: unknown) => {
          this.#deps.log('TURN credentials not fetched; the call goes without TURN', err)
          return undefined
        })
        .finally(() => this.#asking.delete(relay))
      this.#asking.set(relay, asking)
    }
    return asking
  }
}

/** `operation`, or a TimeoutError after `ms` (the mailbox client's own wait is longer). */
async function within<T>(ms: number, operation: Promise<T>): Promise<T> {
  const limit = deadline(ms)
  const timedOut = new Promise<never>((_, reject) =>
    limit.signal.addEventListener('abort', () => reject(limit.signal.reason as Error), {
      once: true,
    }),
  )
  try {
    return await Promise.race([operation, timedOut])
  } finally {
    limit.clear()
  }
}
