/**
 * Warnings for an operator when the relay turns someone away because a limit was reached (ADR
 * 0460). Before, every refusal was silent: a relay full of reservations or of one address's
 * connections looked idle and healthy while clients got nothing (issue 21: the 10,000-client bench
 * stalled with no line in the log).
 *
 * A refusal is logged at once the first time for its reason, then at most once a minute with the
 * number refused since, so a flood (or an attack) cannot fill the disk with one line per socket.
 * Addresses are not logged (docs/relay/PRIVACY.md): the reason, the limit and the count are what
 * an operator acts on.
 */
/** The one call used of the relay's pino logger. */
export interface WarnLog {
  warn(fields: Record<string, unknown>, message: string): void
}

export type LimitReason =
  /** The reservation table is full (relay.maxReservations). */
  | 'reservations_full'
  /** One address holds relay.maxConnectionsPerIp connections. */
  | 'connections_per_ip'
  /** libp2p refused the socket: relay.maxConnections reached. */
  | 'connections_max'
  /** libp2p refused the socket: relay.maxIncomingPendingConnections upgrades in flight. */
  | 'pending_upgrades'
  /** libp2p refused the socket: one address opened more than inboundConnectionsPerSecondPerIp. */
  | 'connection_rate_per_ip'
  /** The handshake guard dropped a socket: one address has maxHandshakingPerIp in handshake. */
  | 'handshakes_per_ip'
  /** The handshake guard dropped a socket that did not finish its handshake in time. */
  | 'handshake_deadline'

/** What each refusal says to the operator, with the setting to look at. */
const SENTENCE: Record<LimitReason, string> = {
  reservations_full: 'reservation refused: the reservation table is full (relay.maxReservations)',
  connections_per_ip:
    'connection refused: one address holds the most connections allowed (relay.maxConnectionsPerIp)',
  connections_max:
    'connection refused: the relay holds its most connections (relay.maxConnections)',
  pending_upgrades:
    'connection refused: too many connections in their handshake at once (relay.maxIncomingPendingConnections)',
  connection_rate_per_ip:
    'connection refused: one address opened connections too fast (relay.inboundConnectionsPerSecondPerIp)',
  handshakes_per_ip:
    'connection dropped: one address has the most sockets in handshake allowed (relay.maxHandshakingPerIp)',
  handshake_deadline:
    'connection dropped: its handshake did not finish in time (relay.handshakeDeadlineMs)',
}

export const LIMIT_WARNING_INTERVAL_MS = 60_000

interface Tally {
  /** Refusals not yet reported. */
  unreported: number
  lastLoggedAt: number
}

export class LimitWarnings {
  readonly #logger: WarnLog
  readonly #now: () => number
  readonly #limits: Partial<Record<LimitReason, number>>
  readonly #tallies = new Map<LimitReason, Tally>()

  constructor(
    logger: WarnLog,
    limits: Partial<Record<LimitReason, number>>,
    now: () => number = Date.now,
  ) {
    this.#logger = logger
    this.#limits = limits
    this.#now = now
  }

  /** One refusal for `reason`: logged now if its reason was quiet for a minute, else counted. */
  refused(reason: LimitReason): void {
    const now = this.#now()
    const tally = this.#tallies.get(reason)
    if (tally === undefined) {
      this.#tallies.set(reason, { unreported: 0, lastLoggedAt: now })
      this.#log(reason, 1)
      return
    }
    tally.unreported++
    if (now - tally.lastLoggedAt < LIMIT_WARNING_INTERVAL_MS) return
    this.#log(reason, tally.unreported)
    tally.unreported = 0
    tally.lastLoggedAt = now
  }

  #log(reason: LimitReason, refused: number): void {
    const limit = this.#limits[reason]
    this.#logger.warn(
      { limit: reason, refused, ...(limit === undefined ? {} : { max: limit }) },
      SENTENCE[reason],
    )
  }
}
