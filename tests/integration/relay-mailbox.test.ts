/**
 * Mailbox protocol against a real relay on loopback, with real libp2p clients: round trip, offline
 * delivery in order, live push, prekeys handed out once, and one typed error per failure with the
 * store unchanged.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import {
  MAILBOX_WIRE_VERSION,
  MAX_REQUEST_FRAME_BYTES,
  MAX_SEALED_BYTES,
  MailboxError,
  depositAddressOf,
  encodeRequest,
  newMailboxCredentials,
  signAuth,
  signedBodyOf,
} from '@hestia/core/mailbox/index.ts'
import type { MailboxClient, MailboxMessage } from '@hestia/core/mailbox/index.ts'
import { randomBytes } from '@noble/hashes/utils.js'
import type { RelayHandle } from '@hestia/relay-node'
import { startLoopbackRelay } from './support/loopback-relay.ts'
import {
  databaseDigest,
  mailboxClientFor,
  rawExchange,
  sealedOf,
  startClientNode,
  testClock,
  waitFor,
} from './relay-helpers.ts'

const KiB = 1024
const HOUR = 3_600_000
const DAY = 24 * HOUR

async function rejectsWith(p: Promise<unknown>, code: MailboxError['code']): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MailboxError, `expected MailboxError, got ${String(err)}`)
    assert.equal(err.code, code)
    return true
  })
}

describe('relay mailbox protocol', () => {
  const clock = testClock()
  let relay: RelayHandle
  let alice: Libp2p
  let bob: Libp2p
  let aliceClient: MailboxClient
  let bobClient: MailboxClient
  let addr: string

  before(async () => {
    relay = await startLoopbackRelay({
      now: clock.now,
      mailbox: {
        maxMessagesPerMailbox: 5,
        maxBytesPerMailbox: 64 * KiB * 5,
        rate: {
          readPerPeer: { perSecond: 1000, burst: 1000 },
          readPerIp: { perSecond: 1000, burst: 1000 },
        },
      },
    })
    addr = relay.multiaddrs[0]!
    alice = await startClientNode()
    bob = await startClientNode()
    aliceClient = mailboxClientFor(alice, addr, { now: clock.now })
    bobClient = mailboxClientFor(bob, addr, { now: clock.now })
  })

  after(async () => {
    await alice.stop()
    await bob.stop()
    await relay.stop()
  })

  test('deposit, fetch, ack round trip: bytes arrive unchanged and ack deletes them', async () => {
    const bobBox = newMailboxCredentials()
    await bobClient.create(bobBox)
    await bobClient.create(bobBox) // idempotent for the same key and capability
    const sealed = randomBytes(4 * KiB)
    const id = await aliceClient.deposit(depositAddressOf(bobBox), sealed)
    const { messages, more } = await bobClient.fetch(bobBox)
    assert.equal(more, false)
    assert.equal(messages.length, 1)
    assert.equal(messages[0]!.id, id)
    assert.deepEqual(messages[0]!.sealed, sealed)
    assert.equal(await bobClient.ack(bobBox, [id]), 1)
    assert.equal((await bobClient.fetch(bobBox)).messages.length, 0)
    assert.equal(await bobClient.ack(bobBox, [id]), 0, 'a second ack deletes nothing')
  })

  test('offline recipient comes online and receives everything in deposit order', async () => {
    const bobBox = newMailboxCredentials()
    await bobClient.create(bobBox)
    const sent: Uint8Array[] = []
    for (let i = 0; i < 5; i++) {
      const s = sealedOf(1 * KiB, i + 1)
      sent.push(s)
      await aliceClient.deposit(depositAddressOf(bobBox), s)
    }
    // Bob comes online on a fresh node.
    const late = await startClientNode()
    try {
      const lateClient = mailboxClientFor(late, addr, { now: clock.now })
      const got: Uint8Array[] = []
      const total = await lateClient.drain(bobBox, (batch) => {
        got.push(...batch.map((m) => m.sealed))
      })
      assert.equal(total, 5)
      assert.deepEqual(got, sent)
      assert.equal((await lateClient.fetch(bobBox)).messages.length, 0)
    } finally {
      await late.stop()
    }
  })

  test('a fetch larger than one response comes in batches with more=true', async () => {
    const bobBox = newMailboxCredentials()
    await bobClient.create(bobBox)
    for (let i = 0; i < 3; i++)
      await aliceClient.deposit(depositAddressOf(bobBox), sealedOf(KiB, i))
    const first = await bobClient.fetch(bobBox, 2)
    assert.equal(first.messages.length, 2)
    assert.equal(first.more, true)
    await bobClient.ack(
      bobBox,
      first.messages.map((m) => m.id),
    )
    const second = await bobClient.fetch(bobBox, 2)
    assert.equal(second.messages.length, 1)
    assert.equal(second.more, false)
  })

  test('live push: a connected recipient gets each deposit without fetching', async () => {
    const bobBox = newMailboxCredentials()
    await bobClient.create(bobBox)
    const pushed: MailboxMessage[] = []
    const sub = await bobClient.subscribe(bobBox, (m) => pushed.push(m))
    try {
      const a = await aliceClient.deposit(depositAddressOf(bobBox), sealedOf(KiB, 0xaa))
      const b = await aliceClient.deposit(depositAddressOf(bobBox), sealedOf(KiB, 0xbb))
      await waitFor(() => pushed.length === 2)
      assert.deepEqual(
        pushed.map((m) => m.id),
        [a, b],
      )
      assert.equal(pushed[1]!.sealed[0], 0xbb)
      // Pushed messages stay stored until acked.
      assert.equal((await bobClient.fetch(bobBox)).messages.length, 2)
    } finally {
      await sub.close()
    }
    await aliceClient.deposit(depositAddressOf(bobBox), sealedOf(KiB, 0xcc))
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(pushed.length, 2, 'no push after the subscription closed')
  })

  test('prekeys: the bundle is served to every caller, each one-time prekey to exactly one', async () => {
    const bobBox = newMailboxCredentials()
    await bobClient.create(bobBox)
    await rejectsWith(aliceClient.fetchPrekeys(depositAddressOf(bobBox)), 'no_prekeys')
    const bundle = randomBytes(2000)
    const otks = [randomBytes(32), randomBytes(32), randomBytes(32)]
    assert.equal(await bobClient.publishPrekeys(bobBox, bundle, otks), 3)
    const seen = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const got = await aliceClient.fetchPrekeys(depositAddressOf(bobBox))
      assert.deepEqual(got.signedBundle, bundle)
      assert.ok(got.oneTimePrekey !== undefined)
      seen.add(Buffer.from(got.oneTimePrekey).toString('hex'))
      assert.equal(got.left, 2 - i)
    }
    assert.equal(seen.size, 3, 'three callers got three different one-time prekeys')
    const last = await aliceClient.fetchPrekeys(depositAddressOf(bobBox))
    assert.equal(last.oneTimePrekey, undefined, 'no one-time prekey is handed out twice')
    assert.deepEqual(last.signedBundle, bundle)
  })

  test('info announces the relay identity, STUN port and caps', async () => {
    const info = await aliceClient.info()
    assert.equal(info.current?.peerId, relay.peerId)
    assert.equal(info.maxSealedBytes, MAX_SEALED_BYTES)
    assert.ok((info.current?.multiaddrs ?? []).includes(addr))
    // Not configured, and the 320 KiB quota holds 5 envelopes: 5 pieces of 3 chunks of 16 KiB.
    assert.equal(info.fileFallbackCapBytes, 5 * 3 * 16 * KiB)
  })

  describe('typed errors leave the store unchanged', () => {
    const unchanged = async (
      what: string,
      code: MailboxError['code'],
      fn: () => Promise<unknown>,
    ) => {
      const before = databaseDigest(relay.dataDir)
      await rejectsWith(fn(), code)
      assert.equal(databaseDigest(relay.dataDir), before, `${what} changed the store`)
    }

    test('replayed fetch -> replay', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      await aliceClient.deposit(depositAddressOf(box), sealedOf(KiB, 1))
      const body = { limit: 10 }
      const auth = signAuth({
        op: 'fetch',
        mailboxId: box.mailboxId,
        secretKey: box.authSecretKey,
        encodedBody: signedBodyOf('fetch', body),
        nowMs: clock.now(),
        randomBytes,
      })
      const frame = encodeRequest({ fetch: { ...body, auth } })
      const [first] = await rawExchange(bob, addr, [frame])
      assert.equal(first!.error, '')
      assert.equal(first!.messages.length, 1)
      const before = databaseDigest(relay.dataDir)
      const [again] = await rawExchange(bob, addr, [frame])
      assert.equal(again!.error, 'replay')
      assert.equal(again!.messages.length, 0, 'a replayed fetch returns nothing')
      assert.equal(databaseDigest(relay.dataDir), before)
    })

    test('timestamp outside ±5 minutes -> timestamp_out_of_window (both directions)', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      for (const skew of [-6 * 60_000, 6 * 60_000]) {
        const skewed = mailboxClientFor(bob, addr, { now: () => clock.now() + skew })
        await unchanged('skewed fetch', 'timestamp_out_of_window', () => skewed.fetch(box))
      }
      // Inside the window is fine.
      const slightly = mailboxClientFor(bob, addr, { now: () => clock.now() - 4 * 60_000 })
      assert.equal((await slightly.fetch(box)).messages.length, 0)
    })

    test('signature by another key -> bad_signature', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      await aliceClient.deposit(depositAddressOf(box), sealedOf(KiB, 1))
      const impostor = { ...newMailboxCredentials(), mailboxId: box.mailboxId }
      await unchanged('forged fetch', 'bad_signature', () => aliceClient.fetch(impostor))
      await unchanged('forged ack', 'bad_signature', () => aliceClient.ack(impostor, [1n]))
    })

    test('a signature over another body -> bad_signature', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const auth = signAuth({
        op: 'ack',
        mailboxId: box.mailboxId,
        secretKey: box.authSecretKey,
        encodedBody: signedBodyOf('ack', { ids: [1n] }),
        nowMs: clock.now(),
        randomBytes,
      })
      const before = databaseDigest(relay.dataDir)
      const [res] = await rawExchange(bob, addr, [encodeRequest({ ack: { ids: [2n], auth } })])
      assert.equal(res!.error, 'bad_signature')
      assert.equal(databaseDigest(relay.dataDir), before)
    })

    test('wrong capability -> bad_capability; unknown mailbox -> unknown_mailbox', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const wrong = { mailboxId: box.mailboxId, capability: randomBytes(32) }
      await unchanged('deposit', 'bad_capability', () =>
        aliceClient.deposit(wrong, sealedOf(KiB, 1)),
      )
      await unchanged('prekeys', 'bad_capability', () => aliceClient.fetchPrekeys(wrong))
      const nobody = depositAddressOf(newMailboxCredentials())
      await unchanged('deposit', 'unknown_mailbox', () =>
        aliceClient.deposit(nobody, sealedOf(KiB, 1)),
      )
    })

    test('creating a taken mailbox id under another key -> mailbox_exists', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const squatter = { ...newMailboxCredentials(), mailboxId: box.mailboxId }
      await unchanged('create', 'mailbox_exists', () => aliceClient.create(squatter))
    })

    test('oversize sealed payload -> oversize; unpadded size -> malformed; bad expiry -> bad_expiry', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const to = depositAddressOf(box)
      await unchanged('big deposit', 'oversize', () =>
        aliceClient.deposit(to, new Uint8Array(MAX_SEALED_BYTES + 1)),
      )
      await unchanged('unpadded', 'malformed', () => aliceClient.deposit(to, new Uint8Array(1000)))
      await unchanged('expiry', 'bad_expiry', () =>
        aliceClient.deposit(to, sealedOf(KiB, 1), { expiryS: 12345 }),
      )
    })

    test('oversize frame -> oversize, the stream is closed, the connection keeps working', async () => {
      const before = databaseDigest(relay.dataDir)
      // A length prefix announcing more than MAX_REQUEST_FRAME_BYTES; the body never needs to come.
      const prefix = new Uint8Array([0xff, 0xff, 0xff, 0x7f])
      assert.ok(0x7f * 128 ** 3 > MAX_REQUEST_FRAME_BYTES)
      const [res] = await rawExchange(alice, addr, [], { prefix })
      assert.equal(res!.error, 'oversize')
      assert.equal(databaseDigest(relay.dataDir), before)
      assert.equal((await aliceClient.info()).current?.peerId, relay.peerId)
    })

    test('wrong protocol version -> unsupported_version', async () => {
      const frame = encodeRequest({ info: {} })
      frame[1] = MAILBOX_WIRE_VERSION + 1 // field 1 (version) is the first varint
      const [res] = await rawExchange(alice, addr, [frame])
      assert.equal(res!.error, 'unsupported_version')
    })

    test('full quota -> mailbox_full, and acking frees room again', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const to = depositAddressOf(box)
      for (let i = 0; i < 5; i++) await aliceClient.deposit(to, sealedOf(KiB, i))
      await unchanged('6th deposit', 'mailbox_full', () =>
        aliceClient.deposit(to, sealedOf(KiB, 9)),
      )
      const { messages } = await bobClient.fetch(box)
      await bobClient.ack(box, [messages[0]!.id])
      await aliceClient.deposit(to, sealedOf(KiB, 9))
    })

    test('expired TTL: messages past their expiry are not delivered and get swept; idle mailboxes expire', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const to = depositAddressOf(box)
      await aliceClient.deposit(to, sealedOf(KiB, 1), { expiryS: 3600 })
      await aliceClient.deposit(to, sealedOf(KiB, 2), { expiryS: 86_400 })
      // Expiry (1 h, rounded up to 10 minutes) plus the 1-hour clock-jump grace (ADR 0210).
      clock.advance(2 * HOUR - 60_000)
      assert.equal((await bobClient.fetch(box)).messages.length, 2, 'still within the grace')
      clock.advance(12 * 60_000)
      const { messages } = await bobClient.fetch(box)
      assert.deepEqual(
        messages.map((m) => m.sealed[0]),
        [2],
        'the 1-hour message is gone, the 1-day one is not',
      )
      const storedBefore = (await relay.stats()).storedMessages
      await relay.sweep()
      assert.equal((await relay.stats()).storedMessages, storedBefore - 1, 'the sweep deleted it')
      // 31 days without the owner fetching: the mailbox has expired.
      clock.advance(31 * DAY)
      await unchanged('deposit to idle mailbox', 'mailbox_expired', () =>
        aliceClient.deposit(to, sealedOf(KiB, 3)),
      )
    })

    test('rate limit -> rate_limited with a retry hint, other peers unaffected', async () => {
      const box = newMailboxCredentials()
      await bobClient.create(box)
      const to = depositAddressOf(box)
      const flooder = await startClientNode()
      try {
        const flood = mailboxClientFor(flooder, addr, { now: clock.now })
        let limited: MailboxError | undefined
        for (let i = 0; i < 200 && limited === undefined; i++) {
          try {
            await flood.fetchPrekeys(to)
          } catch (err) {
            if (err instanceof MailboxError && err.code === 'rate_limited') limited = err
            else if (!(err instanceof MailboxError && err.code === 'no_prekeys')) throw err
          }
        }
        assert.ok(limited !== undefined, 'the flood was limited')
        assert.ok(limited.retryAfterMs > 0)
        assert.equal((await bobClient.fetch(box)).messages.length, 0, 'bob still served')
      } finally {
        await flooder.stop()
      }
    })
  })
})
