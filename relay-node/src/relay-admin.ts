/**
 * The relay's admin port (loopback only): health, Prometheus metrics, stats, bans, mailbox purge and
 * key rotation, wired to the running relay's parts. The HTTP side is admin-server.ts.
 */
import type { Logger } from 'pino'
import { loadAdminKeyHashes } from './admin-keys.ts'
import type { AdminDenials } from './admin-denials.ts'
import { AdminServer } from './admin-server.ts'
import type { AuditLog } from './audit-log.ts'
import type { BanList } from './bans.ts'
import type { RelayOptions } from './config.ts'
import type { KeyRotation } from './key-rotation.ts'
import type { MailboxService } from './mailbox-service.ts'
import type { RelayMetrics } from './metrics.ts'
import type { RelayNodes } from './relay-nodes.ts'
import type { MailboxStore } from './store/mailbox-store.ts'

/** The admin port accepts only a loopback host: it must never face the network. */
export function checkAdminHost(host: string): void {
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    throw new Error(`adminHost ${host}: the admin port is loopback-only; use 127.0.0.1 or ::1`)
  }
}

export interface RelayAdminDeps {
  options: RelayOptions
  nodes: RelayNodes
  store: MailboxStore
  mailbox: MailboxService
  bans: BanList
  rotation: KeyRotation
  audit: AuditLog
  denials: AdminDenials
  metrics: RelayMetrics
  logger: Logger
  stats: () => Promise<object>
}

/** Starts the admin server, or nothing when the admin port is off (negative). */
export async function startAdmin(
  deps: RelayAdminDeps,
): Promise<{ server: AdminServer; port: number } | undefined> {
  const { options: o, nodes, store, bans } = deps
  if (o.adminPort < 0) return undefined
  const server = new AdminServer({
    host: o.adminHost,
    port: o.adminPort,
    keyHashes: () => loadAdminKeyHashes(o.dataDir, o.adminKeyHashes),
    audit: deps.audit,
    denials: deps.denials,
    metrics: deps.metrics,
    log: deps.logger,
    actions: {
      stats: async () => ({ ...(await deps.stats()) }),
      health: () => ({
        ok: nodes.healthy(),
        detail: { peerId: nodes.primary.peerId.toString() },
      }),
      ban: async (kind, value) => {
        bans.add(kind, value)
        await nodes.disconnect(kind, value)
      },
      unban: (kind, value) => bans.remove(kind, value),
      bans: () => ({ peers: [...bans.peers], ips: [...bans.ips] }),
      purge: (hex) => store.purgeMailbox(Buffer.from(hex, 'hex')),
      rotateKey: async (graceMs) => ({ ...(await deps.rotation.rotateKey(graceMs)) }),
    },
  })
  return { server, port: await server.start() }
}
