/**
 * Relay faults besides kill -9 (issue 15, ADR 0210):
 * - a full disk: depositors get a typed, retryable `storage_full`; nothing is acknowledged that was
 *   not stored; the owner can still fetch and ack; deposits work again once space returns. Needs
 *   root to mount a small tmpfs (CI runs as root); skipped with a message otherwise.
 * - a damaged database at start: `hestia-relay start` refuses it with one sentence saying what to
 *   do, exits non-zero, and leaves the file byte for byte as it was.
 * - the relay clock jumping an hour ahead or back: no message is deleted before the lifetime its
 *   sender asked for, deposits keep working (the rate limiter ignores a clock set back), signed
 *   requests resume when the clock is right, and a replayed signed request is still refused.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  statfsSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import {
  MailboxError,
  depositAddressOf,
  encodeRequest,
  newMailboxCredentials,
  signAuth,
  signedBodyOf,
} from '@hestia/core/mailbox/index.ts'
import type { MailboxClient, MailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { SqliteMailboxStore, startRelay } from '@hestia/relay-node'
import type { RelayHandle } from '@hestia/relay-node'
import { DEFAULT_RESERVE_FREE_BYTES } from '../../relay-node/src/store/sqlite-store.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  waitUntil,
} from '../integration/support/messenger-harness.ts'
import {
  RELAY_BIN,
  mailboxClientFor,
  rawExchange,
  startClientNode,
  tempDir,
  testClock,
} from '../integration/relay-helpers.ts'

const KiB = 1024
const MiB = 1024 * KiB
const HOUR = 3_600_000
const isRoot = process.getuid?.() === 0
type ClientNode = Awaited<ReturnType<typeof startClientNode>>
const NOT_ROOT =
  'needs root to mount a small tmpfs for a full disk: run this file as root (CI does) to test it'

const generousRates = {
  depositPerPeer: { perSecond: 10_000, burst: 10_000 },
  depositPerIp: { perSecond: 10_000, burst: 10_000 },
  readPerPeer: { perSecond: 10_000, burst: 10_000 },
  readPerIp: { perSecond: 10_000, burst: 10_000 },
}

/** A 64 KiB sealed-size blob whose first bytes carry a tag, so every deposit can be told apart. */
function tagged(tag: string, size = 64 * KiB): Uint8Array {
  const b = new Uint8Array(size).fill(0x5a)
  b.set(new TextEncoder().encode(`${tag};`))
  return b
}

function tagOf(sealed: Uint8Array): string {
  const text = new TextDecoder().decode(sealed.subarray(0, 64))
  return text.slice(0, text.indexOf(';'))
}

function mountTmpfs(size: string): string {
  const dir = tempDir('hestia-fault-disk-')
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir])
  return dir
}

function unmount(dir: string): void {
  spawnSync('umount', [dir])
  rmSync(dir, { recursive: true, force: true })
}

function freeBytes(dir: string): number {
  const st = statfsSync(dir)
  return st.bavail * st.bsize
}

async function drainTags(client: MailboxClient, box: MailboxCredentials): Promise<string[]> {
  const tags: string[] = []
  await client.drain(box, (batch) => {
    for (const m of batch) tags.push(tagOf(m.sealed))
  })
  return tags
}

describe('full disk', () => {
  test(
    'the relay refuses deposits with storage_full before the disk is full, stores nothing it refused, and recovers',
    { skip: isRoot ? false : NOT_ROOT, timeout: 120_000 },
    async () => {
      // 40 MiB, of which a ballast file takes all but ~6 MiB above the relay's free-space reserve
      // (configured at 8 MiB here; the messenger test below runs with the 64 MiB default).
      const reserve = 8 * MiB
      const dir = mountTmpfs('40m')
      let relay: RelayHandle | undefined
      const nodes: ClientNode[] = []
      try {
        relay = await startRelay({
          dataDir: dir,
          listen: ['/ip4/127.0.0.1/tcp/0/ws'],
          stunPort: -1,
          adminPort: -1,
          logLevel: 'silent',
          diskReserveBytes: reserve,
          mailbox: { rate: generousRates },
        })
        const addr = relay.multiaddrs[0]!
        const ballast = join(dir, 'ballast')
        const ballastBytes = freeBytes(dir) - reserve - 6 * MiB
        assert.ok(ballastBytes > 0, 'the tmpfs leaves room for the ballast')
        writeFileSync(ballast, Buffer.alloc(ballastBytes, 1))

        const [bob, alice, carol] = await Promise.all([1, 2, 3].map(() => startClientNode()))
        nodes.push(bob!, alice!, carol!)
        const bobClient = mailboxClientFor(bob!, addr)
        const boxes = [newMailboxCredentials(), newMailboxCredentials()]
        for (const b of boxes) await bobClient.create(b)
        const senders = [
          { name: 'alice', client: mailboxClientFor(alice!, addr) },
          { name: 'carol', client: mailboxClientFor(carol!, addr) },
        ]

        const acked = new Set<string>()
        const refused = new Set<string>()
        let fullErrors = 0
        for (let i = 0; i < 400 && fullErrors < 6; i++) {
          const s = senders[i % 2]!
          const tag = `${s.name}-${i}`
          try {
            await s.client.deposit(depositAddressOf(boxes[i % 2]!), tagged(tag))
            acked.add(tag)
          } catch (err) {
            assert.ok(err instanceof MailboxError, String(err))
            assert.equal(err.code, 'storage_full')
            assert.equal(err.retryable, true, 'a sender keeps the message and retries')
            refused.add(tag)
            fullErrors++
          }
        }
        assert.ok(acked.size >= 10, `some deposits were stored first (${acked.size})`)
        assert.equal(fullErrors, 6, 'deposits were refused once the disk neared full')

        // The owner can still fetch and ack while deposits are refused: that is what the reserve is for.
        const stored = (await drainTags(bobClient, boxes[0]!)).concat(
          await drainTags(bobClient, boxes[1]!),
        )
        assert.deepEqual(stored.sort(), [...acked].sort(), 'exactly the acknowledged deposits')
        assert.equal((await relay.stats()).storedMessages, 0, 'drained and acked')

        // Space returns: deposits are taken again without a restart.
        rmSync(ballast)
        const after: string[] = []
        for (const [i, s] of senders.entries()) {
          const tag = `${s.name}-after`
          await s.client.deposit(depositAddressOf(boxes[i]!), tagged(tag))
          after.push(tag)
        }
        const later = (await drainTags(bobClient, boxes[0]!)).concat(
          await drainTags(bobClient, boxes[1]!),
        )
        assert.deepEqual(later.sort(), after.sort())
        for (const t of refused) assert.ok(!later.includes(t), `refused ${t} never appears`)
      } finally {
        for (const n of nodes) await n.stop()
        await relay?.stop()
        unmount(dir)
      }
    },
  )

  test(
    'with no reserve the disk fills completely: every write SQLite could not commit fails as storage_full, none is half-stored, and writes work once space returns',
    { skip: isRoot ? false : NOT_ROOT, timeout: 60_000 },
    async () => {
      const dir = mountTmpfs('4m')
      const path = join(dir, 'mailboxes.sqlite')
      const episodes: boolean[] = []
      let store = new SqliteMailboxStore({
        path,
        reserveFreeBytes: 0,
        onStorageFull: (full) => episodes.push(full),
      })
      const limits = { maxMessagesPerMailbox: 1e6, maxBytesPerMailbox: 1e12, maxTotalBytes: 1e12 }
      const box = new Uint8Array(32).fill(7)
      try {
        await store.createMailbox({ id: box, authKey: box, capabilityHash: box, nowDay: 1 })
        const stored = new Map<bigint, string>()
        let refused = 0
        // Batches of concurrent deposits share a group commit; a failing commit fails all of them.
        for (let round = 0; round < 40 && refused < 16; round++) {
          const tags = Array.from({ length: 8 }, (_, i) => `r${round}-${i}`)
          const outcomes = await Promise.allSettled(
            tags.map((tag) =>
              store.deposit({ mailboxId: box, sealed: tagged(tag), expiresAt: 1e13 }, limits),
            ),
          )
          outcomes.forEach((o, i) => {
            if (o.status === 'fulfilled') {
              assert.ok(o.value.ok)
              if (o.value.ok) stored.set(o.value.id, tags[i]!)
            } else {
              assert.ok(o.reason instanceof MailboxError, String(o.reason))
              assert.equal(o.reason.code, 'storage_full')
              refused++
            }
          })
        }
        assert.ok(refused >= 16, 'the disk filled up')
        assert.ok(stored.size > 0)
        assert.deepEqual(episodes, [true], 'one "full" report, not one per write')
        const check = async (s: SqliteMailboxStore) => {
          const rows = (await s.fetch(box, 0, 10_000, 1e12)).rows
          assert.deepEqual(
            rows.map((r) => [r.id, tagOf(r.sealed)]),
            [...stored.entries()].sort((a, b) => Number(a[0] - b[0])),
            'exactly the deposits that were acknowledged, under their ids',
          )
        }
        await check(store)
        await store.close()
        store = new SqliteMailboxStore({ path, reserveFreeBytes: 0 })
        await check(store)
        // Space returns.
        execFileSync('mount', ['-o', 'remount,size=32m', dir])
        const again = await store.deposit(
          { mailboxId: box, sealed: tagged('after'), expiresAt: 1e13 },
          limits,
        )
        assert.ok(again.ok)
        assert.equal(await store.ack(box, [...stored.keys()]), stored.size)
        assert.deepEqual(
          (await store.fetch(box, 0, 100, 1e12)).rows.map((r) => tagOf(r.sealed)),
          ['after'],
        )
      } finally {
        await store.close().catch(() => undefined)
        unmount(dir)
      }
    },
  )
})

describe('full disk, seen by the people messaging', () => {
  test(
    "a message sent while the recipient's relay disk is full stays queued (not failed) and arrives once space returns",
    { skip: isRoot ? false : NOT_ROOT, timeout: 180_000 },
    async () => {
      const dir = mountTmpfs('160m')
      const log = join(tempDir(), 'relay.log')
      const relay = await startRelay({
        dataDir: dir,
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        stunPort: -1,
        adminPort: -1,
        logLevel: 'info',
        logDestination: log,
      })
      let a: TestPeer | undefined
      let b: TestPeer | undefined
      try {
        a = await new TestPeer('alice', relay.multiaddrs).start()
        b = await new TestPeer('bob', relay.multiaddrs).start()
        const { convA, convB } = await connectPeers(a, b)
        await b.stop()
        // The disk now has less free space than the relay's reserve: every deposit is refused.
        const ballast = join(dir, 'ballast')
        writeFileSync(ballast, Buffer.alloc(freeBytes(dir) - DEFAULT_RESERVE_FREE_BYTES + MiB))
        const stored = (await relay.stats()).storedMessages
        const { message } = await a.must({
          type: 'messages.send',
          conversationId: convA,
          text: 'sent while the disk was full',
        })
        await waitUntil('the relay refused a deposit for lack of space', () =>
          readFileSync(log, 'utf8').includes('disk full'),
        )
        // Several attempts pass; the message is neither stored nor given up.
        await new Promise((r) => setTimeout(r, 4_000))
        const during = (await a.history(convA)).find((m) => m.messageId === message.messageId)
        assert.notEqual(during?.delivery, 'failed', 'alice is not told it failed')
        assert.notEqual(during?.delivery, 'sent', 'nothing claims it was stored')
        assert.equal((await relay.stats()).storedMessages, stored)
        assert.ok(!a.sent.some((s) => s.messageId === message.messageId))

        rmSync(ballast)
        await waitUntil(
          'alice’s outbox retried into the mailbox',
          () => a!.sent.some((s) => s.messageId === message.messageId && s.route === 'mailbox'),
          60_000,
        )
        assert.match(readFileSync(log, 'utf8'), /disk space is back/)
        b = await new TestPeer('bob', b.relays, b.backing).start()
        await waitUntil('bob receives it', () => b!.addedAt.has(message.messageId), 30_000)
        assert.equal((await b.texts(convB)).at(-1), 'sent while the disk was full')
      } finally {
        await a?.stop().catch(() => undefined)
        await b?.stop().catch(() => undefined)
        await relay.stop()
        unmount(dir)
        releaseWebRTC()
      }
    },
  )
})

describe('damaged database at start', () => {
  /** A real relay database with mail in it, closed cleanly (no WAL left). */
  async function realDatabase(): Promise<{ dataDir: string; path: string }> {
    const dataDir = tempDir()
    const path = join(dataDir, 'mailboxes.sqlite')
    const store = new SqliteMailboxStore({ path })
    const box = new Uint8Array(32).fill(3)
    await store.createMailbox({ id: box, authKey: box, capabilityHash: box, nowDay: 1 })
    const limits = { maxMessagesPerMailbox: 1e6, maxBytesPerMailbox: 1e12, maxTotalBytes: 1e12 }
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        store.deposit({ mailboxId: box, sealed: tagged(`m${i}`, KiB), expiresAt: 1e13 }, limits),
      ),
    )
    await store.close()
    assert.ok(!existsSync(`${path}-wal`), 'closed cleanly')
    return { dataDir, path }
  }

  const damages: Array<{ name: string; damage: (path: string) => void }> = [
    {
      name: 'a file that is not a database',
      damage: (path) => writeFileSync(path, Buffer.alloc(64 * KiB, 0x41)),
    },
    {
      name: 'a page overwritten with garbage',
      damage: (path) => {
        const fd = openSync(path, 'r+')
        writeSync(fd, Buffer.alloc(4096, 0xee), 0, 4096, 4096 * 3)
        closeSync(fd)
      },
    },
    {
      name: 'a truncated file',
      damage: (path) => truncateSync(path, Math.floor(statSync(path).size / 2)),
    },
  ]

  for (const { name, damage } of damages) {
    test(`${name}: refused with what to do, exit code 2, the file untouched`, async () => {
      const { dataDir, path } = await realDatabase()
      damage(path)
      const hash = () => createHash('sha256').update(readFileSync(path)).digest('hex')
      const before = { hash: hash(), mtimeMs: statSync(path).mtimeMs, size: statSync(path).size }
      const filesBefore = readdirSync(dataDir).sort()
      const run = spawnSync(
        process.execPath,
        [
          RELAY_BIN,
          'start',
          '--data',
          dataDir,
          '--listen',
          '/ip4/127.0.0.1/tcp/0/ws',
          '--stun-port',
          '-1',
          '--admin-port',
          '-1',
        ],
        { encoding: 'utf8', timeout: 30_000 },
      )
      assert.equal(run.status, 2, `exit code (stderr: ${run.stderr})`)
      assert.equal(run.stdout, '', 'never printed its addresses (never served)')
      const said = run.stderr.trim()
      assert.match(said, /^hestia-relay: the relay database .*mailboxes\.sqlite is damaged/)
      assert.match(said, /did not change the file/)
      assert.match(said, /Restore it from a backup/)
      assert.match(said, /\.recover/)
      assert.ok(!said.includes('    at '), 'a sentence, not a stack trace')
      assert.deepEqual(
        { hash: hash(), mtimeMs: statSync(path).mtimeMs, size: statSync(path).size },
        before,
        'the damaged file is left as it was',
      )
      assert.deepEqual(readdirSync(dataDir).sort(), filesBefore, 'nothing else was created')
    })
  }
})

describe('relay clock jumps', () => {
  test('an hour ahead or back: no mail deleted early, deposits keep working, replays still refused', async () => {
    // `truth` is the real time, which the clients keep; the relay's clock is truth + offset.
    const truth = testClock()
    let offset = 0
    const relay = await startRelay({
      dataDir: tempDir(),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      stunPort: -1,
      adminPort: -1,
      logLevel: 'silent',
      now: () => truth.now() + offset,
      sweepIntervalMs: 3_600_000,
    })
    const addr = relay.multiaddrs[0]!
    const [bob, alice] = await Promise.all([startClientNode(), startClientNode()])
    try {
      const bobClient = mailboxClientFor(bob, addr, { now: truth.now })
      const aliceClient = mailboxClientFor(alice, addr, { now: truth.now })
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const to = depositAddressOf(box)
      await aliceClient.deposit(to, tagged('hour-1', KiB), { expiryS: 3600 })
      await aliceClient.deposit(to, tagged('fortnight', KiB), { expiryS: 14 * 86_400 })
      // A signed fetch Bob sends now, kept to replay later.
      const body = { limit: 1 }
      const signed = encodeRequest({
        fetch: {
          ...body,
          auth: signAuth({
            op: 'fetch',
            mailboxId: box.mailboxId,
            secretKey: box.authSecretKey,
            encodedBody: signedBodyOf('fetch', body),
            nowMs: truth.now(),
            randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
          }),
        },
      })
      const [first] = await rawExchange(bob, addr, [signed])
      assert.equal(first!.error, '')
      const [replayed] = await rawExchange(bob, addr, [signed])
      assert.equal(replayed!.error, 'replay', 'a replay within the window is refused')

      // 50 minutes pass; then the relay clock jumps an hour ahead (truth +50 min, relay +1 h 50 min):
      // past the 1-hour message's expiry on the relay's clock, not on the real one.
      truth.advance(50 * 60_000)
      offset = HOUR
      await relay.sweep()
      assert.equal((await relay.stats()).storedMessages, 2, 'the sweep deleted nothing early')
      await aliceClient.deposit(to, tagged('during-ahead', KiB), { expiryS: 3600 })
      // Bob's correctly-timed requests look an hour old to the relay: refused, nothing lost.
      await assert.rejects(bobClient.fetch(box), { code: 'timestamp_out_of_window' })

      // The clock is corrected: everything is delivered, the replay is still refused.
      offset = 0
      truth.advance(2 * 60_000)
      const [again] = await rawExchange(bob, addr, [signed])
      assert.equal(again!.error, 'timestamp_out_of_window', 'the old request is out of window')
      const fetched = await bobClient.fetch(box)
      assert.deepEqual(
        fetched.messages.map((m) => tagOf(m.sealed)),
        ['hour-1', 'fortnight', 'during-ahead'],
      )

      // The relay clock jumps an hour back: deposits are not rate-limited for an hour (the
      // limiter saw time run backwards), and a deposit made then is kept its full hour.
      offset = -HOUR
      await aliceClient.deposit(to, tagged('during-back', KiB), { expiryS: 3600 })
      offset = 0
      truth.advance(59 * 60_000)
      await relay.sweep()
      const tags = (await bobClient.fetch(box)).messages.map((m) => tagOf(m.sealed))
      assert.ok(tags.includes('during-back'), 'kept for the hour its sender asked for')
      assert.ok(tags.includes('fortnight'))
      await bobClient.ack(
        box,
        (await bobClient.fetch(box)).messages.map((m) => m.id),
      )
      assert.equal((await relay.stats()).storedMessages, 0)
    } finally {
      await bob.stop()
      await alice.stop()
      await relay.stop()
    }
  })

  test('a replayed signed request is refused after a restart and after a forward jump and back', async () => {
    const truth = testClock()
    let offset = 0
    const dataDir = tempDir()
    const options = {
      dataDir,
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      stunPort: -1,
      adminPort: -1,
      logLevel: 'silent' as const,
      now: () => truth.now() + offset,
      sweepIntervalMs: 3_600_000,
    }
    let relay = await startRelay(options)
    const bob = await startClientNode()
    try {
      const box = newMailboxCredentials()
      await mailboxClientFor(bob, relay.multiaddrs[0]!, { now: truth.now }).create(box)
      const body = { ids: [1n] }
      const signed = encodeRequest({
        ack: {
          ...body,
          auth: signAuth({
            op: 'ack',
            mailboxId: box.mailboxId,
            secretKey: box.authSecretKey,
            encodedBody: signedBodyOf('ack', body),
            nowMs: truth.now(),
            randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
          }),
        },
      })
      assert.equal((await rawExchange(bob, relay.multiaddrs[0]!, [signed]))[0]!.error, '')
      await relay.stop()
      relay = await startRelay(options)
      assert.equal(
        (await rawExchange(bob, relay.multiaddrs[0]!, [signed]))[0]!.error,
        'replay',
        'nonces survive a restart',
      )
      // Ahead by an hour, a sweep, then back: the nonce outlived the jump (bucket + grace).
      offset = HOUR
      await relay.sweep()
      offset = 0
      truth.advance(60_000)
      assert.equal(
        (await rawExchange(bob, relay.multiaddrs[0]!, [signed]))[0]!.error,
        'replay',
        'still refused after the clock came back',
      )
    } finally {
      await bob.stop()
      await relay.stop()
    }
  })
})
