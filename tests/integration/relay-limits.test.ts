/**
 * A relay that turns someone away for a limit says so in its log (ADR 0460): before, a relay
 * whose reservation table was full, or whose per-address connection cap was reached, refused in
 * silence and looked idle and healthy (issue 21: the 10,000-client bench stalled with no line
 * logged). The refused client is told no; the ones already served keep what they hold.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { Libp2p } from '@libp2p/interface'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { startRelay } from '@hestia/relay-node'
import { startClientNode, tempDir } from './relay-helpers.ts'

const logFile = join(tempDir(), 'relay.log')
const relay = await startRelay({
  dataDir: tempDir(),
  listen: ['/ip4/127.0.0.1/tcp/0/ws'],
  stunPort: -1,
  adminPort: -1,
  logLevel: 'warn',
  logDestination: logFile,
  relay: { maxReservations: 1, maxConnectionsPerIp: 2 },
})
const nodes: Libp2p[] = []
after(async () => {
  for (const n of nodes) await Promise.resolve(n.stop()).catch(() => undefined)
  await relay.stop()
})

function warnings(): Array<{ limit?: string; max?: number; refused?: number; msg: string }> {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { limit?: string; max?: number; refused?: number; msg: string })
    .filter((l) => l.limit !== undefined)
}

const reserved = (n: Libp2p) => n.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))

/** A client that asks for a reservation on start; returns whether it got one, then stops. */
async function triesToReserve(address: string): Promise<boolean> {
  const node = await createLibp2p({
    start: false,
    addresses: { listen: [`${address}/p2p-circuit`] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() },
  })
  const started = await Promise.resolve(node.start()).then(
    () => true,
    () => false,
  )
  const got = started && reserved(node)
  await node.stop()
  return got
}

test('a full reservation table and a full per-address connection cap are each logged with the setting; the client already served keeps its reservation', async () => {
  const address = relay.multiaddrs[0]!
  const first = await startClientNode({ relayAddr: address })
  nodes.push(first)
  assert.ok(reserved(first), 'the first client holds the one reservation')
  assert.deepEqual(warnings(), [], 'nothing refused yet, nothing logged')

  assert.equal(await triesToReserve(address), false, 'no reservation past the table size')
  await waitFor(() => byKind().has('reservations_full'))
  assert.equal(byKind().get('reservations_full')?.max, 1)
  assert.match(byKind().get('reservations_full')!.msg, /relay\.maxReservations/)

  // 127.0.0.1 may hold 2 connections: the first client's and this one; a third is refused.
  await waitFor(() => relay.node.getConnections().length === 1)
  const second = await startClientNode()
  const third = await startClientNode()
  nodes.push(second, third)
  await second.dial(multiaddr(address))
  await assert.rejects(third.dial(multiaddr(address)), 'the third connection is refused')
  await waitFor(() => byKind().has('connections_per_ip'))
  assert.equal(byKind().get('connections_per_ip')?.max, 2)
  assert.match(byKind().get('connections_per_ip')!.msg, /relay\.maxConnectionsPerIp/)

  assert.ok(reserved(first), 'the first client still holds its reservation')
  const server = relay.node.services.relay as CircuitRelayService
  assert.equal(server.reservations.size, 1, 'the refused client took no reservation')
})

function byKind() {
  return new Map(warnings().map((w) => [w.limit, w]))
}

async function waitFor(check: () => boolean): Promise<void> {
  const until = Date.now() + 5_000
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out; warnings: ${JSON.stringify(warnings())}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
