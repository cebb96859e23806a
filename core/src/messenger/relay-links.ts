/**
 * Our connections to our relays: the keeper dials each relay we are not connected to, remembers
 * why a dial failed (relay-health.ts) and waits before the next attempt (doubling up to a
 * minute), and reports each relay's state for `connectivity.status`. The user's "try again"
 * (`connectivity.retryRelay`) forgets the wait.
 */
import type { RelayStatus } from '../client/api.ts'
import { multiaddr } from '@multiformats/multiaddr'
import type { MessengerContext } from './context.ts'
import { MESSENGER_TIMING } from './limits.ts'
import { peerIdOf } from './net.ts'
import { RELAY_DIAL_TIMEOUT_MS, relayFailureReason, type RelayHealth } from './relay-health.ts'
import { withDeadline } from '../wire/deadline.ts'

/** The longest wait between dials of a relay that keeps failing. */
const RELAY_RETRY_MAX_MS = 60_000

/** Where our mailboxes of one home relay are served (MailboxManager.serving). */
export interface MailboxServing {
  ready: boolean
  /** The other instance they are subscribed on, or null when on the home relay (or nowhere). */
  via: string | null
}

export interface RelayLinksHooks {
  /** A relay just connected (retry what waits for the network). */
  connected(): Promise<void>
  /** A relay's reported state changed. */
  changed(): void
}

export class RelayLinks {
  readonly #ctx: MessengerContext
  readonly #hooks: RelayLinksHooks
  /** Per relay: the last dial's outcome and when to try again (issue 23). */
  readonly #health = new Map<string, RelayHealth & { failures: number; nextAttemptAt: number }>()

  constructor(ctx: MessengerContext, hooks: RelayLinksHooks) {
    this.#ctx = ctx
    this.#hooks = hooks
  }

  /** Dials a relay we are not connected to, unless its last failure says wait. */
  async dial(relay: string): Promise<void> {
    const { net, platform } = this.#ctx
    const now = platform.clock()
    try {
      const peer = relayPeer(relay)
      if (peer === null || net.getConnections(peerIdOf(peer)).length > 0) return
    } catch {
      return
    }
    const health = this.#health.get(relay)
    if (health !== undefined && now < health.nextAttemptAt) return
    const started = now
    try {
      await withDeadline(RELAY_DIAL_TIMEOUT_MS, (signal) => net.dial(multiaddr(relay), { signal }))
      this.#health.set(relay, {
        reason: null,
        since: platform.clock(),
        failures: 0,
        nextAttemptAt: 0,
      })
      await this.#hooks.connected()
      this.#hooks.changed()
    } catch (err) {
      this.#ctx.log(`relay ${relay} not reachable`, err)
      const ended = platform.clock()
      const reason = relayFailureReason(err, ended - started)
      const failures = (health?.failures ?? 0) + 1
      const waitMs = Math.min(RELAY_RETRY_MAX_MS, MESSENGER_TIMING.keeperIntervalMs * 2 ** failures)
      this.#health.set(relay, {
        reason,
        since: health?.reason === reason ? health.since : ended,
        failures,
        nextAttemptAt: ended + waitMs,
      })
      if (health?.reason !== reason) this.#hooks.changed()
    }
  }

  /** The user asked to try this relay again now: the next dial does not wait. */
  forgetFailures(relay: string): void {
    this.#health.delete(relay)
  }

  /** Each relay's state as the client API reports it. */
  /**
   * `mailbox(relay)`: whether our mailboxes of that home relay all have a live subscription, and the
   * other instance of its community they are on when not on the relay itself (ADR 0231 fail-over):
   * then the mailbox is reported as served there even though this relay is down.
   */
  statuses(relays: string[], mailbox: (relay: string) => MailboxServing): RelayStatus[] {
    const now = this.#ctx.platform.clock()
    return relays.map((address) => {
      let connected: boolean
      try {
        const peer = relayPeer(address)
        connected =
          peer !== null &&
          this.#ctx.net.getConnections(peerIdOf(peer)).some((c) => c.status === 'open')
      } catch {
        connected = false
      }
      const health = this.#health.get(address)
      const failed = !connected && health?.reason != null
      const { ready, via } = mailbox(address)
      return {
        address,
        state: connected ? 'connected' : failed ? 'error' : 'connecting',
        reserved: connected,
        mailboxReady: via === null ? connected && ready : ready,
        ...(via === null ? {} : { mailboxVia: via }),
        rttMs: null,
        error: failed ? (health?.reason ?? null) : null,
        since: health?.since ?? now,
      }
    })
  }
}

/** The relay's PeerId string: what follows the last /p2p/. */
function relayPeer(address: string): string | null {
  const i = address.lastIndexOf('/p2p/')
  return i < 0 ? null : address.slice(i + 5).split('/')[0] || null
}
