/**
 * Prometheus metrics on a per-relay registry (several relays can run in one process in tests).
 * Labels carry operation names and error codes only: never mailbox ids, peers or addresses.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface GaugeSources {
  connections: () => number
  reservations: () => number
  subscribers: () => number
  store: () => { mailboxes: number; messages: number; bytes: number }
  /** Bytes held in incomplete frames (the stream guard's budgets). */
  partialFrameBytes?: () => number
  /** Inbound connections accepted but not yet upgraded to libp2p connections. */
  handshaking?: () => number
}

export class RelayMetrics {
  readonly registry = new Registry()
  readonly requests: Counter<'op' | 'result'>
  readonly requestSeconds: Histogram<'op'>
  readonly depositedBytes: Counter
  readonly stunRequests: Counter<'result'>
  readonly adminActions: Counter<'action'>
  readonly sweptMessages: Counter
  readonly streamsReset: Counter<'reason'>
  readonly handshakesDropped: Counter<'reason'>
  readonly adminDenied: Counter<'result'>

  constructor(sources: GaugeSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'hestia_relay_' })
    this.requests = new Counter({
      name: 'hestia_relay_mailbox_requests_total',
      help: 'Mailbox protocol requests by operation and result (ok or the error code sent)',
      labelNames: ['op', 'result'],
      registers,
    })
    this.requestSeconds = new Histogram({
      name: 'hestia_relay_mailbox_request_seconds',
      help: 'Time from request decoded to response ready, by operation',
      labelNames: ['op'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    })
    this.depositedBytes = new Counter({
      name: 'hestia_relay_deposited_bytes_total',
      help: 'Sealed bytes accepted into mailboxes',
      registers,
    })
    this.stunRequests = new Counter({
      name: 'hestia_relay_stun_requests_total',
      help: 'STUN datagrams by result (answered or ignored)',
      labelNames: ['result'],
      registers,
    })
    this.adminActions = new Counter({
      name: 'hestia_relay_admin_actions_total',
      help: 'Admin API actions by action name (the audit log has the details)',
      labelNames: ['action'],
      registers,
    })
    this.sweptMessages = new Counter({
      name: 'hestia_relay_expired_messages_total',
      help: 'Messages deleted because their TTL passed before anyone fetched them',
      registers,
    })
    this.streamsReset = new Counter({
      name: 'hestia_relay_streams_reset_total',
      help: 'Streams the relay reset for bad framing or memory budgets (prefix_too_long, frame_too_large, connection_budget, global_budget)',
      labelNames: ['reason'],
      registers,
    })
    this.handshakesDropped = new Counter({
      name: 'hestia_relay_handshakes_dropped_total',
      help: 'Inbound connections closed before their handshake finished (deadline) or refused (per_ip_cap)',
      labelNames: ['reason'],
      registers,
    })
    this.adminDenied = new Counter({
      name: 'hestia_relay_admin_denied_total',
      help: 'Admin API requests without a valid key: denied (401) or rate_limited (429)',
      labelNames: ['result'],
      registers,
    })
    registerGauges(registers, sources)
  }
}

/**
 * Gauges read when Prometheus scrapes: each asks its source then, so no timer keeps them fresh.
 */
function registerGauges(registers: Registry[], sources: GaugeSources): void {
  const gauges: Array<[name: string, help: string, read: () => number]> = [
    [
      'hestia_relay_partial_frame_bytes',
      'Bytes held in incomplete frames across all streams',
      () => sources.partialFrameBytes?.() ?? 0,
    ],
    [
      'hestia_relay_handshaking_connections',
      'Inbound connections accepted and still in their handshake (WebSocket, noise, yamux)',
      () => sources.handshaking?.() ?? 0,
    ],
    ['hestia_relay_connections', 'Open libp2p connections', () => sources.connections()],
    [
      'hestia_relay_reservations',
      'Circuit relay v2 reservations held',
      () => sources.reservations(),
    ],
    ['hestia_relay_subscribers', 'Streams subscribed to live push', () => sources.subscribers()],
    ['hestia_relay_stored_mailboxes', 'Mailboxes registered', () => sources.store().mailboxes],
    ['hestia_relay_stored_messages', 'Sealed messages stored', () => sources.store().messages],
    ['hestia_relay_stored_bytes', 'Sealed bytes stored', () => sources.store().bytes],
  ]
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read())
      },
    })
  }
}
