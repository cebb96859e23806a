/**
 * Owner-side fail-over between the instances of one community (issue 22, ADR 0231), with real
 * messengers: two relay processes share one PostgreSQL database and each advertises the other
 * (`--instances`). Alice's home relay is instance 1; she learns instance 2 from its info answer and
 * names it to Bob in her Hello (end to end). Then instance 1 is killed with SIGKILL: Alice's
 * subscription moves to instance 2, Bob's deposits go through instance 2, and Alice shows every
 * later message once, in order.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { decodeOutbound } from '@hestia/core/messenger/records.ts'
import { requirePg, startPgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import type { PgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import { migratePg } from '../../relay-node/src/store/pg-migrate.ts'
import { spawnRelay, tempDir } from '../integration/relay-helpers.ts'
import type { RelayProcess } from '../integration/relay-helpers.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  waitUntil,
} from '../integration/support/messenger-harness.ts'

const skip = requirePg()
let cluster: PgCluster | undefined
const relays: RelayProcess[] = []
const peers: TestPeer[] = []

after(async () => {
  for (const p of peers) await p.stop().catch(() => undefined)
  for (const r of relays) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGTERM')
      await r.exited
    }
  }
  await cluster?.destroy()
  releaseWebRTC()
})

async function freshDatabase(): Promise<string> {
  cluster ??= await startPgCluster()
  const url = await cluster.createDatabase(`failover${process.pid}`)
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await migratePg(c)
  } finally {
    await c.end()
  }
  return url
}

/** A loopback TCP port free right now (the instance restarts on it with the same address). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** One instance on the shared database; per-address limits lifted (every peer is 127.0.0.1). */
async function instance(
  url: string,
  dataDir: string,
  port: number,
  others: string[],
): Promise<RelayProcess> {
  const config = join(dataDir, 'test-config.json')
  writeFileSync(
    config,
    JSON.stringify({
      relay: { inboundConnectionsPerSecondPerIp: 1e6, maxHandshakingPerIp: 1000 },
      mailbox: { rate: { createPerIp: { perSecond: 1000, burst: 1000 } } },
    }),
  )
  const relay = await spawnRelay([
    ...['--data', dataDir, '--config', config, '--store', url, '--pg-pool', '3'],
    ...['--listen', `/ip4/127.0.0.1/tcp/${port}/ws`, '--stun-port', '-1', '--admin-port', '-1'],
    ...(others.length > 0 ? ['--instances', others.join(',')] : []),
  ])
  relays.push(relay)
  return relay
}

async function stopGracefully(r: RelayProcess): Promise<void> {
  r.child.kill('SIGTERM')
  await r.exited
}

if (skip !== undefined) {
  test('owner-side fail-over between instances', { skip }, () => undefined)
} else {
  describe('owner-side fail-over between instances of one community', () => {
    test('kill -9 of the instance Alice is subscribed on: she moves, Bob deposits through the other, every later message shows once', async () => {
      const url = await freshDatabase()
      const [dirOne, dirTwo] = [tempDir(), tempDir()]
      const [portOne, portTwo] = [await freePort(), await freePort()]
      // Each instance names the other, so both must exist first: instance 1 starts once to get its
      // identity, instance 2 starts naming it, instance 1 restarts (same key, same port) naming 2.
      const first = await instance(url, dirOne, portOne, [])
      const addrOne = first.multiaddrs[0]!
      await stopGracefully(first)
      const two = await instance(url, dirTwo, portTwo, [addrOne])
      const addrTwo = two.multiaddrs[0]!
      const one = await instance(url, dirOne, portOne, [addrTwo])
      assert.equal(one.multiaddrs[0], addrOne, 'instance 1 came back with the same address')

      const alice = new TestPeer('alice', [addrOne])
      const bob = new TestPeer('bob', [addrOne])
      for (const p of [alice, bob]) {
        p.direct = false
        peers.push(p)
        await p.start()
      }
      const { convA, convB } = await connectPeers(alice, bob)
      // Bob learnt instance 2 inside Alice's (end-to-end) Hello, right after her home relay.
      await waitUntil(
        'bob holds both instances for alice',
        async () => {
          const [contact] = await bob.store.listContacts()
          const hello = contact === undefined ? null : decodeOutbound(contact.outboundMailbox)
          return hello?.relays.join(' ') === `${addrOne} ${addrTwo}`
        },
        20_000,
      )
      const send = (text: string) =>
        bob.must({ type: 'messages.send', conversationId: convB, text })
      const shown = async () => {
        const texts = await alice.texts(convA)
        return texts.filter((t) => t.startsWith('m'))
      }
      await send('m0')
      await waitUntil('alice shows m0', async () => (await shown()).includes('m0'), 20_000)

      one.child.kill('SIGKILL')
      assert.equal(await one.exited, 'SIGKILL')
      const sentBefore = bob.sent.length
      const later = Array.from({ length: 8 }, (_, i) => `m${i + 1}`)
      for (const text of later) await send(text)
      await waitUntil(
        'alice shows every later message',
        async () => (await shown()).length === later.length + 1,
        60_000,
      )
      await new Promise((r) => setTimeout(r, 1_000)) // a duplicate would show by now
      assert.deepEqual(await shown(), ['m0', ...later], 'each once, in the order sent')
      const routes = bob.sent.slice(sentBefore).filter((s) => s.kind === 'message')
      assert.ok(routes.length >= later.length, 'bob sent each later message')
      assert.ok(
        routes.every((s) => s.route === 'mailbox'),
        'through the mailbox (instance 2: instance 1 is gone)',
      )
    })
  })
}
