/**
 * Relay settings for tests where every user connects from 127.0.0.1. A real relay sees one address
 * per user (or per household); on loopback one address stands for the whole cast of a test, so the
 * relay's per-address budgets are raised to those of a small crowd. Per-peer budgets (one link, one
 * mailbox) stay the product's: those are what one user meets. Used by the integration harness, the
 * browser tests' relay and the benchmarks. startLoopbackRelay: a quiet relay with the product's
 * budgets, for tests of the relay itself.
 */
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRelay } from '../../../relay-node/src/relay.ts'

type RelayOptions = Parameters<typeof startRelay>[0]

/** A relay started by startLoopbackRelay. */
export type TestRelay = Awaited<ReturnType<typeof startRelay>>

/**
 * A relay on 127.0.0.1 (WebSocket only, no STUN, no admin port, quiet) with a fresh data dir and
 * the relay's own limits, not the crowd budgets below; `options`: what differs (limits, a test
 * clock, TURN, …). For tests of the relay and its protocols, where one client is one user.
 * `stop()` also deletes the data dir, which no one else knows of (before, every run left one in
 * the system's temp dir).
 */
export async function startLoopbackRelay(
  options: Omit<Partial<RelayOptions>, 'dataDir' | 'listen'> = {},
): Promise<TestRelay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hestia-relay-test-'))
  const relay = await startRelay({
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    stunPort: -1,
    adminPort: -1,
    logLevel: 'silent',
    ...options,
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true })
    throw error
  })
  const stopRelay = relay.stop.bind(relay)
  return Object.assign(relay, {
    stop: async () => {
      try {
        await stopRelay()
      } finally {
        await rm(dataDir, { recursive: true, force: true })
      }
    },
  })
}

/**
 * Per-address connection limits of several users together (each keeps a link per mailbox, ADR
 * 0754), instead of one person's.
 */
export const LOOPBACK_USERS = {
  inboundConnectionsPerSecondPerIp: 100,
  maxHandshakingPerIp: 64,
  maxConnectionsPerIp: 256,
} satisfies RelayOptions['relay']

/**
 * Per-address mailbox budgets of a crowd (a test file pairing five couples creates well over the
 * 20-mailbox burst one address gets; three browsers polling their chats share one read budget).
 * A test that sets its own rate keeps it.
 */
export function loopbackMailbox(mailbox: RelayOptions['mailbox'] = {}): RelayOptions['mailbox'] {
  return {
    ...mailbox,
    rate: {
      createPerIp: { perSecond: 20, burst: 400 },
      prekeyFetchPerIp: { perSecond: 20, burst: 400 },
      readPerIp: { perSecond: 1000, burst: 4000 },
      depositPerIp: { perSecond: 1000, burst: 4000 },
      ...mailbox?.rate,
    },
  }
}
