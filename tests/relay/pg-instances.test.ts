/**
 * Two relay processes, each with its own data directory (so its own PeerId and address), sharing one
 * PostgreSQL database on a private cluster: what a client of either notices.
 * - A deposit taken by instance 1 reaches a subscriber connected to instance 2 live, in order, once.
 * - The owner's close on one instance ends its subscriptions on the other (ADR 0211); a lost
 *   notification feed ends subscriptions so clients fetch what was not pushed.
 * - kill -9 of instance 1 during a deposit burst from several clients: the clients move to instance
 *   2, and every deposit either instance acknowledged is fetched exactly once afterwards.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import {
  MailboxError,
  depositAddressOf,
  depositWithFailover,
  newMailboxCredentials,
} from '@hestia/core/mailbox/index.ts'
import type { MailboxMessage } from '@hestia/core/mailbox/index.ts'
import type { Libp2p } from '@libp2p/interface'
import { requirePg, startPgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import type { PgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import { pgTest } from '../../relay-node/test-support/pg-test.ts'
import { migratePg } from '../../relay-node/src/store/pg-migrate.ts'
import {
  mailboxClientFor,
  spawnRelay,
  startClientNode,
  tempDir,
} from '../integration/relay-helpers.ts'
import type { RelayProcess } from '../integration/relay-helpers.ts'

const skip = requirePg()
let cluster: PgCluster | undefined
const nodes: Libp2p[] = []
const relays: RelayProcess[] = []

after(async () => {
  for (const r of relays) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGTERM')
      await r.exited
    }
  }
  for (const n of nodes) await n.stop()
  await cluster?.destroy()
})

let dbCount = 0
async function freshDatabase(): Promise<string> {
  cluster ??= await startPgCluster()
  const url = await cluster.createDatabase(`inst${process.pid}_${++dbCount}`)
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await migratePg(c)
  } finally {
    await c.end()
  }
  return url
}

/** A relay instance on the shared database; per-peer limits lifted (the test is one peer). */
async function instance(
  url: string,
  quotas: { maxMessagesPerMailbox?: number } = {},
): Promise<RelayProcess> {
  const dataDir = tempDir()
  const config = join(dataDir, 'test-config.json')
  writeFileSync(
    config,
    JSON.stringify({
      // Every test client connects from 127.0.0.1: lift the per-address connection limits.
      relay: { inboundConnectionsPerSecondPerIp: 1e6, maxHandshakingPerIp: 1000 },
      mailbox: {
        ...quotas,
        rate: {
          depositPerPeer: { perSecond: 100_000, burst: 100_000 },
          depositPerIp: { perSecond: 100_000, burst: 100_000 },
          readPerPeer: { perSecond: 100_000, burst: 100_000 },
          readPerIp: { perSecond: 100_000, burst: 100_000 },
        },
      },
    }),
  )
  const relay = await spawnRelay([
    '--data',
    dataDir,
    '--config',
    config,
    '--store',
    url,
    '--pg-pool',
    '4',
    '--listen',
    '/ip4/127.0.0.1/tcp/0/ws',
    '--stun-port',
    '-1',
    '--admin-port',
    '-1',
  ])
  relays.push(relay)
  return relay
}

async function client() {
  const node = await startClientNode()
  nodes.push(node)
  return node
}

const tagOf = (m: MailboxMessage) => {
  const end = m.sealed.indexOf(0)
  return new TextDecoder().decode(m.sealed.subarray(0, end))
}

function sealedTag(tag: string): Uint8Array {
  const sealed = new Uint8Array(1024)
  sealed.set(new TextEncoder().encode(tag))
  return sealed
}

if (skip !== undefined) {
  test('relay instances sharing PostgreSQL', { skip }, () => undefined)
} else {
  describe('relay instances sharing PostgreSQL', () => {
    pgTest(
      'a deposit on instance 1 reaches a subscriber on instance 2 live, in order, once',
      async () => {
        const url = await freshDatabase()
        const [one, two] = await Promise.all([instance(url), instance(url)])
        assert.notEqual(
          one.multiaddrs[0]!.split('/p2p/')[1],
          two.multiaddrs[0]!.split('/p2p/')[1],
          'each instance has its own PeerId',
        )
        const owner = mailboxClientFor(await client(), two.multiaddrs[0]!)
        const box = newMailboxCredentials()
        await owner.create(box)
        const pushed: MailboxMessage[] = []
        const sub = await owner.subscribe(box, (m) => pushed.push(m))
        try {
          const to = depositAddressOf(box)
          const viaOne = mailboxClientFor(await client(), one.multiaddrs[0]!)
          const viaTwo = mailboxClientFor(await client(), two.multiaddrs[0]!)
          // Three senders at once on instance 1, one on instance 2 (its own deposits are pushed
          // through the same notifications, so the order holds across both).
          const acked = new Map<bigint, string>()
          const sender = async (c: typeof viaOne, name: string) => {
            for (let i = 0; i < 20; i++) {
              const tag = `${name}:${i}`
              acked.set(await c.deposit(to, sealedTag(tag)), tag)
            }
          }
          await Promise.all([
            sender(viaOne, 'a'),
            sender(viaOne, 'b'),
            sender(viaOne, 'c'),
            sender(viaTwo, 'd'),
          ])
          const deadline = Date.now() + 10_000
          while (pushed.length < acked.size && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20))
          }
          await new Promise((r) => setTimeout(r, 200)) // a duplicate would arrive by now
          const ids = pushed.map((m) => m.id)
          assert.equal(pushed.length, 80, 'every deposit pushed once')
          assert.deepEqual(
            ids,
            [...acked.keys()].sort((a, b) => (a < b ? -1 : 1)),
            'in deposit-id order',
          )
          for (const m of pushed) assert.equal(tagOf(m), acked.get(m.id), 'the bytes deposited')
          // Per sender, in the order it sent.
          for (const name of ['a', 'b', 'c', 'd']) {
            const seq = pushed
              .map(tagOf)
              .filter((t) => t.startsWith(`${name}:`))
              .map((t) => Number(t.split(':')[1]))
            assert.deepEqual(
              seq,
              Array.from({ length: 20 }, (_, i) => i),
            )
          }
        } finally {
          await sub.close()
        }
      },
    )

    pgTest(
      'both instances racing one mailbox to its cap: exactly the cap is stored, the others hear mailbox_full',
      async () => {
        const url = await freshDatabase()
        const cap = 5
        const [one, two] = await Promise.all([
          instance(url, { maxMessagesPerMailbox: cap }),
          instance(url, { maxMessagesPerMailbox: cap }),
        ])
        const owner = mailboxClientFor(await client(), one.multiaddrs[0]!)
        const box = newMailboxCredentials()
        await owner.create(box)
        const to = depositAddressOf(box)
        const senders = await Promise.all(
          [one, two, one, two].map(async (r) => mailboxClientFor(await client(), r.multiaddrs[0]!)),
        )
        // 24 deposits at once, half through each instance.
        const outcomes = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            senders[i % senders.length]!.deposit(to, sealedTag(`r:${i}`)).then(
              (id) => ({ id, tag: `r:${i}` }),
              (err: unknown) => err,
            ),
          ),
        )
        const stored = outcomes.filter(
          (o): o is { id: bigint; tag: string } => !(o instanceof Error),
        )
        const refused = outcomes.filter((o) => o instanceof Error)
        assert.equal(stored.length, cap, 'exactly the cap, across both instances')
        assert.deepEqual(
          stored.map((o) => o.id).sort((a, b) => (a < b ? -1 : 1)),
          [1n, 2n, 3n, 4n, 5n],
          'dense ids, none given twice',
        )
        for (const e of refused) {
          assert.ok(e instanceof MailboxError && e.code === 'mailbox_full', String(e))
        }
        // What the owner sees: exactly the acknowledged deposits, once each.
        const fetched = (await owner.fetch(box)).messages.map(tagOf).sort()
        assert.deepEqual(fetched, stored.map((o) => o.tag).sort())
      },
    )

    pgTest(
      "the owner's close on instance 1 ends its subscription on instance 2 (ADR 0211)",
      async () => {
        const url = await freshDatabase()
        const [one, two] = await Promise.all([instance(url), instance(url)])
        const box = newMailboxCredentials()
        const viaTwo = mailboxClientFor(await client(), two.multiaddrs[0]!)
        await viaTwo.create(box)
        const sub = await viaTwo.subscribe(box, () => undefined)
        let ended = false
        void sub.ended.then(() => (ended = true))
        await mailboxClientFor(await client(), one.multiaddrs[0]!).closeMailbox(box)
        const deadline = Date.now() + 10_000
        while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        assert.ok(ended, 'the subscription on the other instance ended')
        await assert.rejects(
          viaTwo.fetch(box),
          (err: unknown) => err instanceof MailboxError && err.code === 'unknown_mailbox',
        )
      },
    )

    pgTest(
      'a lost notification feed ends live subscriptions, so clients fetch what was not pushed',
      async () => {
        const url = await freshDatabase()
        const [one, two] = await Promise.all([instance(url), instance(url)])
        const owner = mailboxClientFor(await client(), two.multiaddrs[0]!)
        const box = newMailboxCredentials()
        await owner.create(box)
        const pushed: MailboxMessage[] = []
        const sub = await owner.subscribe(box, (m) => pushed.push(m))
        let ended = false
        void sub.ended.then(() => (ended = true))
        // The database drops both instances' LISTEN connections (as in a fail-over); a deposit
        // right then is not announced to instance 2.
        const admin = new pg.Client({ connectionString: url })
        await admin.connect()
        try {
          const killed = await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hestia-relay-listen' AND datname = current_database()",
          )
          assert.equal(killed.rowCount, 2)
        } finally {
          await admin.end()
        }
        const sender = mailboxClientFor(await client(), one.multiaddrs[0]!)
        const id = await sender.deposit(depositAddressOf(box), sealedTag('during the gap'))
        const deadline = Date.now() + 10_000
        while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        assert.ok(ended, 'the subscription ended once the feed was back')
        // What the client does on an ended subscription: fetch (and subscribe again).
        const { messages } = await owner.fetch(box)
        assert.deepEqual(
          messages.map((m) => [m.id, tagOf(m)]),
          [[id, 'during the gap']],
        )
        assert.ok(pushed.length <= 1)
      },
    )

    pgTest(
      'kill -9 of one instance during a burst: clients move to the other, every acknowledged deposit is fetched once',
      async () => {
        const url = await freshDatabase()
        const [one, two] = await Promise.all([instance(url), instance(url)])
        const instances = [one.multiaddrs[0]!, two.multiaddrs[0]!]
        const owner = mailboxClientFor(await client(), two.multiaddrs[0]!)
        const box = newMailboxCredentials()
        await owner.create(box)
        const to = depositAddressOf(box)
        const acked = new Set<string>()
        /** Messages that went to instance 2 after instance 1 failed (its attempt may have been stored). */
        const resent = new Set<string>()
        let moved = 0
        let killed = false
        // Each client holds the community's two instances, instance 1 first, and deposits through
        // them in turn (depositWithFailover, as the messenger's MailboxManager does).
        const depositor = async (w: number) => {
          const node = await client()
          const targets = instances.map((a) => mailboxClientFor(node, a, { timeoutMs: 3_000 }))
          for (let i = 0; i < 60; i++) {
            const tag = `${w}:${i}`
            // As the outbox does, a deposit no instance took is tried again a little later.
            let index = -1
            for (let attempt = 0; index < 0; attempt++) {
              try {
                index = (await depositWithFailover(targets, to, sealedTag(tag))).index
              } catch (err) {
                if (attempt >= 3) throw err
                resent.add(tag)
                await new Promise((r) => setTimeout(r, 200))
              }
            }
            acked.add(tag)
            if (index > 0) {
              // Instance 1 failed first: its attempt may have committed without an answer.
              resent.add(tag)
              moved++
            }
            if (!killed && acked.size >= 100) {
              killed = true
              one.child.kill('SIGKILL')
            }
          }
        }
        await Promise.all([0, 1, 2, 3, 4].map(depositor))
        assert.equal(await one.exited, 'SIGKILL')
        assert.ok(moved >= 1, 'clients moved to instance 2')
        assert.equal(acked.size, 300, 'every message was acknowledged by one instance or the other')
        const fetched: string[] = []
        await owner.drain(box, (batch) => {
          for (const m of batch) fetched.push(tagOf(m))
        })
        const counts = new Map<string, number>()
        for (const t of fetched) counts.set(t, (counts.get(t) ?? 0) + 1)
        const lost = [...acked].filter((t) => !counts.has(t))
        assert.deepEqual(lost, [], 'every acknowledged deposit is there')
        // A deposit acknowledged on its first attempt is there exactly once. One in flight at the
        // kill may have been committed without its ack reaching the client, which then sent it
        // again: that one may be there twice (clients drop the copy by its message id), never more.
        for (const [tag, n] of counts) {
          if (resent.has(tag)) assert.ok(n <= 2, `${tag} resent once, stored ${n} times`)
          else assert.equal(n, 1, `${tag} was acknowledged once and is fetched once`)
        }
        assert.equal((await owner.fetch(box)).messages.length, 0, 'all fetched and acknowledged')
      },
    )
  })
}
