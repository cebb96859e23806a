/**
 * What the relay says about itself: the mailbox protocol's `info` answer (identities, addresses,
 * STUN port, limits) and relay.json in the data directory, which operators and tests read to find
 * the running relay (peer id, addresses, STUN and admin ports, a rotation's next identity).
 */
import { EXPIRY_BUCKETS_S, MAX_SEALED_BYTES } from '@hestia/core/mailbox/index.ts'
import type { RelayInfo } from '@hestia/core/mailbox/index.ts'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RelayOptions } from './config.ts'
import type { RotationState } from './identity.ts'
import type { RelayNodes } from './relay-nodes.ts'
import { advertisedInstances } from './store/instance-list.ts'
import { turnServers } from './turn-credentials.ts'

export const RELAY_INFO_FILE = 'relay.json'

/** Addresses listed per identity (the info answer has a cap on its size). */
const MAX_LISTED_ADDRS = 16

export interface RelaySelf {
  readonly options: RelayOptions
  readonly nodes: RelayNodes
  rotation(): RotationState | undefined
  stunPort(): number | undefined
  adminPort(): number | undefined
  readonly startedAt: number
}

/** The mailbox protocol's `info` answer. */
export function relayInfo(self: RelaySelf): RelayInfo {
  const { nodes, options: o } = self
  const primary = nodes.all[0]
  const next = nodes.next
  return {
    current: {
      peerId: primary?.peerId.toString() ?? '',
      multiaddrs: primary?.getMultiaddrs().map(String).slice(0, MAX_LISTED_ADDRS) ?? [],
      validUntilMs: BigInt(self.rotation()?.graceUntil ?? 0),
    },
    ...(next !== undefined
      ? {
          next: {
            peerId: next.peerId.toString(),
            multiaddrs: next.getMultiaddrs().map(String).slice(0, MAX_LISTED_ADDRS),
            validUntilMs: 0n,
          },
        }
      : {}),
    stunPort: self.stunPort() ?? 0,
    maxSealedBytes: MAX_SEALED_BYTES,
    expiryBucketsS: [...EXPIRY_BUCKETS_S],
    maxMessagesPerMailbox: o.mailbox.maxMessagesPerMailbox,
    fileFallbackCapBytes: o.mailbox.fileFallbackCapBytes,
    instances: advertisedInstances(
      o.instances,
      nodes.all.map((n) => n.peerId.toString()),
    ),
    // Fresh credentials per answer; relay.json (below) never holds them.
    turnServers: turnServers(o.turn, (o.now ?? Date.now)()),
  }
}

/** Writes relay.json atomically (a reader never sees half a file). */
export function writeRelayJson(self: RelaySelf): void {
  const info = relayInfo(self)
  const rotation = self.rotation()
  const stunPort = self.stunPort()
  const adminPort = self.adminPort()
  const body = {
    peerId: info.current?.peerId,
    multiaddrs: info.current?.multiaddrs,
    stun: stunPort !== undefined ? { port: stunPort } : undefined,
    admin:
      adminPort !== undefined
        ? { url: `http://${self.options.adminHost}:${adminPort}` }
        : undefined,
    next:
      info.next !== undefined && rotation !== undefined
        ? {
            peerId: info.next.peerId,
            multiaddrs: info.next.multiaddrs,
            takesOverAt: new Date(rotation.graceUntil).toISOString(),
          }
        : undefined,
    pid: process.pid,
    startedAt: new Date(self.startedAt).toISOString(),
  }
  const tmp = join(self.options.dataDir, RELAY_INFO_FILE + '.tmp')
  writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n', { mode: 0o644 })
  renameSync(tmp, join(self.options.dataDir, RELAY_INFO_FILE))
}
