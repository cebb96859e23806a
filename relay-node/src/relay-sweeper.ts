/**
 * The relay's periodic clean-up: deletes expired messages and nonces and idle mailboxes, and
 * forgets disconnected peers (ADR 0212). Runs once at start and then every sweepIntervalMs.
 */
import type { Logger } from 'pino'
import type { RelayOptions } from './config.ts'
import { DAY_MS, EXPIRY_GRACE_MS } from './mailbox-service.ts'
import type { MailboxService } from './mailbox-service.ts'
import type { RelayMetrics } from './metrics.ts'
import type { RelayNodes } from './relay-nodes.ts'
import type { MailboxStore } from './store/mailbox-store.ts'

export interface SweeperDeps {
  options: RelayOptions
  store: MailboxStore
  mailbox: MailboxService
  nodes: RelayNodes
  metrics: RelayMetrics
  logger: Logger
  now: () => number
}

export interface Sweeper {
  /** Sweeps now (also runs every sweepIntervalMs). */
  sweep(): Promise<void>
  stop(): void
}

export function startSweeper(deps: SweeperDeps): Sweeper {
  const { options: o, store, nodes, metrics, logger, now } = deps
  const sweep = async (): Promise<void> => {
    const day = Math.floor(now() / DAY_MS) - Math.ceil(o.mailbox.mailboxIdleTtlMs / DAY_MS)
    // Expiry plus grace: a clock that jumped ahead by up to the grace deletes nothing early.
    const r = await store.sweep(now() - EXPIRY_GRACE_MS, day)
    metrics.sweptMessages.inc(r.messages)
    if (r.messages + r.mailboxes > 0) logger.info(r, 'expired data deleted')
    const peers = await nodes.sweepPeers()
    if (peers > 0) logger.debug({ peers }, 'disconnected peers forgotten')
  }
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => logger.error({ err }, 'sweep failed'))
  }, o.sweepIntervalMs)
  timer.unref()
  return { sweep, stop: () => clearInterval(timer) }
}
