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
import { pgTest } from '../../relay-node/test-support/pg-test.ts'
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

async function freshDatabase(name: string): Promise<string> {
  cluster ??= await startPgCluster()
  const url = await cluster.createDatabase(`${name}${process.pid}`)
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

/**
 * Two instances on `url`, each naming the other. Both must exist first: instance 1 starts once to
 * get its identity, instance 2 starts naming it, instance 1 restarts (same key, same port) naming 2.
 */
async function instancePair(
  url: string,
): Promise<{ one: RelayProcess; addrOne: string; addrTwo: string }> {
  const [dirOne, dirTwo] = [tempDir(), tempDir()]
  const [portOne, portTwo] = [await freePort(), await freePort()]
  const first = await instance(url, dirOne, portOne, [])
  const addrOne = first.multiaddrs[0]!
  await stopGracefully(first)
  const two = await instance(url, dirTwo, portTwo, [addrOne])
  const addrTwo = two.multiaddrs[0]!
  const one = await instance(url, dirOne, portOne, [addrTwo])
  assert.equal(one.multiaddrs[0], addrOne, 'instance 1 came back with the same address')
  return { one, addrOne, addrTwo }
}

/** Bob's stored Hello for his one contact names exactly `relays`. */
async function bobHolds(bob: TestPeer, relays: string[]): Promise<boolean> {
  const [contact] = await bob.store.listContacts()
  const hello = contact === undefined ? null : decodeOutbound(contact.outboundMailbox)
  return hello?.relays.join(' ') === relays.join(' ')
}

if (skip !== undefined) {
  test('owner-side fail-over between instances', { skip }, () => undefined)
} else {
  describe('owner-side fail-over between instances of one community', () => {
    pgTest(
      'kill -9 of the instance Alice is subscribed on: she moves, Bob deposits through the other, every later message shows once',
      async () => {
        const url = await freshDatabase('failover')
        const { one, addrOne, addrTwo } = await instancePair(url)

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
          () => bobHolds(bob, [addrOne, addrTwo]),
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
      },
    )
    pgTest(
      'Alice starts while her home instance is down: the kept instance list takes her to the other, and a deposit arrives',
      async () => {
        const url = await freshDatabase('coldstart')
        const { one, addrOne, addrTwo } = await instancePair(url)
        let alice = new TestPeer('alice', [addrOne])
        const bob = new TestPeer('bob', [addrOne])
        for (const p of [alice, bob]) {
          p.direct = false
          peers.push(p)
          await p.start()
        }
        const { convA, convB } = await connectPeers(alice, bob)
        await waitUntil('bob holds both instances', () => bobHolds(bob, [addrOne, addrTwo]), 20_000)
        // Alice learnt the list from her home relay and kept it in her store.
        const kept = await alice.store.getRelayInstances()
        assert.deepEqual(
          kept?.lists.map((l) => [l.home, l.instances]),
          [[addrOne, [addrTwo]]],
        )
        assert.ok((kept?.lists[0]?.learntAt ?? 0) > 0, 'with when it was learnt')

        await alice.stop()
        one.child.kill('SIGKILL')
        assert.equal(await one.exited, 'SIGKILL')
        const sentBefore = bob.sent.length
        await bob.must({
          type: 'messages.send',
          conversationId: convB,
          text: 'while you were away',
        })
        const deposited = () =>
          bob.sent.slice(sentBefore).some((s) => s.kind === 'message' && s.route === 'mailbox')
        await waitUntil(
          'bob deposited it (through instance 2)',
          () => Promise.resolve(deposited()),
          30_000,
        )

        // A new process on the same store, its settings naming only the dead home instance.
        alice = new TestPeer('alice', [addrOne], alice.backing)
        alice.direct = false
        peers.push(alice)
        await alice.start()
        await waitUntil(
          'alice shows the deposit',
          async () => (await alice.texts(convA)).includes('while you were away'),
          60_000,
        )
        await bob.must({ type: 'messages.send', conversationId: convB, text: 'and live' })
        await waitUntil(
          'alice shows a live push on instance 2',
          async () => (await alice.texts(convA)).includes('and live'),
          30_000,
        )
        // Her connectivity view tells the truth: home relay down, mailbox served through instance 2.
        const { relays: view } = await alice.must({ type: 'connectivity.status' })
        assert.equal(view[0]?.address, addrOne)
        assert.notEqual(view[0]?.state, 'connected')
        assert.equal(view[0]?.mailboxReady, true, 'the mailbox is served')
        assert.equal(view[0]?.mailboxVia, addrTwo, 'through the other instance')
      },
    )
  })
}
