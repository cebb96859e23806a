// `/hestia/mailbox/1.0.0` over an in-memory stream pair (`streamPair` from @libp2p/utils, no libp2p
// node): the real MailboxClient on one end, the relay's MailboxService.handleStream on the other,
// with a SQLite store in a temporary folder. What a client notices is asserted: requests are
// answered; a malformed body gets a typed `malformed` answer and the stream stays usable; an
// oversize or truncated frame stores nothing; a typed refusal reaches the client as MailboxError.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import type { Connection, Stream } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { pino } from 'pino'
import {
  decodeResponse,
  depositAddressOf,
  encodeRequest,
  MailboxClient,
  MailboxError,
  MAX_REQUEST_FRAME_BYTES,
  MAX_RESPONSE_FRAME_BYTES,
  newMailboxCredentials,
} from '@hestia/core/mailbox/index.ts'
import { defaultOptions } from './config.ts'
import { pendingDeadlines } from '@hestia/core/wire/deadline.ts'
import {
  DAY_MS,
  MailboxService,
  MAX_SUBSCRIBERS_PER_MAILBOX,
  MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX,
} from './mailbox-service.ts'
import { RelayMetrics } from './metrics.ts'
import { SqliteMailboxStore } from './store/sqlite-store.ts'

const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A connection from a peer of its own (a fresh peer id), as the relay sees it. */
async function peerConnection(): Promise<Connection> {
  return {
    remotePeer: peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
    remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/40000'),
  } as unknown as Connection
}
const connection = await peerConnection()

/** A relay's mailbox service with its own store, and a client whose streams it serves. */
async function relayAndClient(mailbox: Partial<ReturnType<typeof defaultOptions>['mailbox']> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hestia-mailbox-pair-'))
  dirs.push(dir)
  const store = new SqliteMailboxStore({ path: join(dir, 'relay.db'), reserveFreeBytes: 0 })
  const metrics = new RelayMetrics({
    connections: () => 0,
    reservations: () => 0,
    subscribers: () => 0,
    store: () => ({ mailboxes: 0, messages: 0, bytes: 0 }),
  })
  const service = new MailboxService({
    store,
    limits: { ...defaultOptions(dir).mailbox, ...mailbox },
    now: Date.now,
    log: pino({ level: 'silent' }),
    metrics,
    info: () => ({
      current: { peerId: 'relay', multiaddrs: [], validUntilMs: 0n },
      stunPort: 0,
      maxSealedBytes: 0,
      expiryBucketsS: [],
      maxMessagesPerMailbox: 0,
      fileFallbackCapBytes: 0,
      instances: [],
      turnServers: [],
    }),
    isBanned: () => false,
  })
  await service.start()
  const served: Promise<void>[] = []
  /** One stream pair: the far end goes to the service, the near end is returned. */
  const open = async (): Promise<Stream> => {
    const [near, far] = await streamPair()
    served.push(service.handleStream(far, connection))
    return near
  }
  const client = new MailboxClient({ openStream: open, timeoutMs: 5_000 })
  const others: MailboxClient[] = []
  /** A client whose streams come from another peer (its own connection identity). */
  const clientOf = (from: Connection): MailboxClient => {
    const other = new MailboxClient({
      openStream: async () => {
        const [near, far] = await streamPair()
        served.push(service.handleStream(far, from))
        return near
      },
      timeoutMs: 5_000,
    })
    others.push(other)
    return other
  }
  const stop = async () => {
    await client.close()
    for (const other of others) await other.close()
    await Promise.allSettled(served)
    await store.close()
  }
  return { dir, store, service, client, clientOf, open, served, stop }
}

/** Polls `check` every 10 ms for up to 2 s (the service answers before it waits again). */
async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(check(), 'condition not reached in 2 s')
}

function lengthPrefixed(frame: Uint8Array): Uint8Array {
  const out: number[] = []
  let n = frame.length
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return Uint8Array.from([...out, ...frame])
}

describe('mailbox protocol over an in-memory stream pair', () => {
  test('--max-mailboxes: a new mailbox past the cap is refused with relay_full; the owner closing one frees a place', async () => {
    const r = await relayAndClient({ maxMailboxes: 1 })
    const [a, b] = [newMailboxCredentials(), newMailboxCredentials()]
    await r.client.create(a)
    await assert.rejects(
      r.client.create(b),
      (err: unknown) => err instanceof MailboxError && err.code === 'relay_full',
    )
    await assert.rejects(
      r.client.fetch(b),
      (err: unknown) => err instanceof MailboxError && err.code === 'unknown_mailbox',
      'nothing of the refused mailbox exists',
    )
    await r.client.create(a) // its owner re-creating it is not a new mailbox
    await r.client.closeMailbox(a)
    await r.client.create(b)
    assert.equal((await r.store.stats()).mailboxes, 1)
    await r.stop()
  })

  test('create, deposit, fetch, ack: the sealed bytes come back once, then they are gone', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    await r.client.create(me)
    const sealed = new Uint8Array(1024).fill(9)
    const id = await r.client.deposit(depositAddressOf(me), sealed)
    const { messages, more } = await r.client.fetch(me)
    assert.equal(more, false)
    assert.deepEqual(
      messages.map((m) => [m.id, m.sealed]),
      [[id, sealed]],
    )
    assert.equal(await r.client.ack(me, [id]), 1)
    assert.deepEqual((await r.client.fetch(me)).messages, [])
    await r.stop()
  })

  test('a mailbox with a manage key (ADR 0137): the auth key reads, only the manage key deletes', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    const manage = newMailboxCredentials() // its auth key pair serves as the manage key
    await r.client.create(me, { managePublicKey: manage.authPublicKey })
    await r.client.create(me, { managePublicKey: manage.authPublicKey }) // idempotent
    await assert.rejects(
      r.client.create(me),
      (e) => e instanceof MailboxError && e.code === 'mailbox_exists',
    )
    const id = await r.client.deposit(depositAddressOf(me), new Uint8Array(1024).fill(3))
    assert.equal((await r.client.fetch(me)).messages.length, 1, 'the auth key reads')
    const refused = (e: unknown) => e instanceof MailboxError && e.code === 'bad_signature'
    await assert.rejects(r.client.ack(me, [id]), refused)
    await assert.rejects(r.client.closeMailbox(me), refused)
    assert.equal((await r.client.fetch(me)).messages.length, 1, 'nothing deleted')
    const asManager = {
      ...me,
      authSecretKey: manage.authSecretKey,
      authPublicKey: manage.authPublicKey,
    }
    await assert.rejects(r.client.fetch(asManager), refused) // reading stays with the auth key
    assert.equal(await r.client.ack(asManager, [id]), 1)
    await r.client.closeMailbox(asManager)
    await assert.rejects(
      r.client.fetch(me),
      (e) => e instanceof MailboxError && e.code === 'unknown_mailbox',
    )
    await r.stop()
  })

  test('a subscriber gets each deposit pushed; a push cut off with the stream stays stored until acked', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    await r.client.create(me)
    const pushed: Uint8Array[] = []
    const sub = await r.client.subscribe(me, (m) => pushed.push(m.sealed))
    const first = new Uint8Array(1024).fill(1)
    await r.client.deposit(depositAddressOf(me), first)
    for (let i = 0; i < 200 && pushed.length === 0; i++)
      await new Promise((res) => setTimeout(res, 10))
    assert.deepEqual(pushed, [first])
    // The subscription's stream ends (the network dropped it); a deposit now reaches nobody live.
    await sub.close()
    await sub.ended
    const second = new Uint8Array(1024).fill(2)
    await r.client.deposit(depositAddressOf(me), second)
    assert.equal(pushed.length, 1)
    // Nothing was lost: both wait in the mailbox until the owner acks them.
    const { messages } = await r.client.fetch(me)
    assert.deepEqual(
      messages.map((m) => m.sealed),
      [first, second],
    )
    await r.stop()
  })

  test('every member of a group shares one mailbox live: six subscribers each get the push; one past the cap is refused with rate_limited', async () => {
    const many = { perSecond: 1_000, burst: 1_000 }
    const r = await relayAndClient({
      rate: { ...defaultOptions('.').mailbox.rate, readPerPeer: many, readPerIp: many },
    })
    const group = newMailboxCredentials()
    await r.client.create(group)
    const pushed: Uint8Array[][] = []
    const subs = []
    for (let member = 0; member < 6; member++) {
      const got: Uint8Array[] = []
      pushed.push(got)
      const device = r.clientOf(await peerConnection())
      subs.push(await device.subscribe(group, (m) => got.push(m.sealed)))
    }
    const sent = new Uint8Array(1024).fill(7)
    await r.client.deposit(depositAddressOf(group), sent)
    await waitFor(() => pushed.every((got) => got.length === 1))
    for (const got of pushed) assert.deepEqual(got, [sent])

    // Members' devices, each a peer of its own, fill the mailbox's places.
    const perPeer = MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX
    while (subs.length < MAX_SUBSCRIBERS_PER_MAILBOX) {
      const device = r.clientOf(await peerConnection())
      const n = Math.min(perPeer, MAX_SUBSCRIBERS_PER_MAILBOX - subs.length)
      for (let i = 0; i < n; i++) subs.push(await device.subscribe(group, () => undefined))
    }
    await assert.rejects(
      r.clientOf(await peerConnection()).subscribe(group, () => undefined),
      {
        name: 'MailboxError',
        code: 'rate_limited',
      },
    )
    // The refused one changed nothing for the others: the next deposit still reaches them.
    await r.client.deposit(depositAddressOf(group), sent)
    await waitFor(() => pushed.every((got) => got.length === 2))
    for (const sub of subs) await sub.close()
    await r.stop()
  })

  test("a hostile member cannot take the group mailbox's live places: its subscribes sent at once past the per-peer cap are refused with rate_limited; the other members still subscribe and get every push", async () => {
    const many = { perSecond: 1_000, burst: 1_000 }
    const r = await relayAndClient({
      rate: { ...defaultOptions('.').mailbox.rate, readPerPeer: many, readPerIp: many },
    })
    const group = newMailboxCredentials()
    await r.client.create(group)
    // The hostile member holds the group's read credentials (every member does) and asks for
    // every place of the mailbox at once, each subscribe on its own stream.
    const hostile = r.clientOf(await peerConnection())
    const tries = await Promise.allSettled(
      Array.from({ length: MAX_SUBSCRIBERS_PER_MAILBOX + 1 }, () =>
        hostile.subscribe(group, () => undefined),
      ),
    )
    const held = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []))
    assert.equal(held.length, MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX)
    for (const t of tries) {
      if (t.status === 'rejected') {
        assert.ok(t.reason instanceof MailboxError, String(t.reason))
        assert.equal(t.reason.code, 'rate_limited')
      }
    }
    assert.equal(r.service.subscriberTotal, MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX)
    // Every other member still subscribes, and each gets the next deposit live.
    const members = 40
    const pushed: Uint8Array[][] = []
    const subs = []
    for (let m = 0; m < members; m++) {
      const got: Uint8Array[] = []
      pushed.push(got)
      const device = r.clientOf(await peerConnection())
      subs.push(await device.subscribe(group, (msg) => got.push(msg.sealed)))
    }
    const sent = new Uint8Array(1024).fill(3)
    await r.client.deposit(depositAddressOf(group), sent)
    await waitFor(() => pushed.every((got) => got.length === 1))
    for (const got of pushed) assert.deepEqual(got, [sent])
    // Still over its cap later: refused again, the others untouched.
    await assert.rejects(
      hostile.subscribe(group, () => undefined),
      {
        name: 'MailboxError',
        code: 'rate_limited',
      },
    )
    assert.equal(r.service.subscriberTotal, MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX + members)
    // Closing one of its own gives the hostile peer exactly that place back.
    await held[0]?.close()
    await waitFor(
      () => r.service.subscriberTotal === MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX - 1 + members,
    )
    held[0] = await hostile.subscribe(group, () => undefined)
    for (const sub of [...held, ...subs]) await sub.close()
    await r.stop()
  })

  test('typed refusals reach the client as MailboxError and store nothing', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    await r.client.create(me)
    const stranger = newMailboxCredentials()
    await assert.rejects(r.client.deposit(depositAddressOf(stranger), new Uint8Array(1024)), {
      name: 'MailboxError',
      code: 'unknown_mailbox',
    })
    const wrongCapability = { mailboxId: me.mailboxId, capability: new Uint8Array(32).fill(1) }
    await assert.rejects(r.client.deposit(wrongCapability, new Uint8Array(1024)), {
      name: 'MailboxError',
      code: 'bad_capability',
    })
    // Someone else's key cannot read this mailbox.
    await assert.rejects(r.client.fetch({ ...me, authSecretKey: stranger.authSecretKey }), {
      name: 'MailboxError',
      code: 'bad_signature',
    })
    assert.equal((await r.store.stats()).messages, 0)
    await r.stop()
  })

  test('a malformed body: a typed malformed answer, nothing stored, the same stream still serves', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    await r.client.create(me)
    const stream = await r.open()
    const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
    await lp.write(new Uint8Array(50).fill(0xff))
    await assert.rejects(
      Promise.resolve().then(async () => decodeResponse((await lp.read()).subarray())),
      (err: unknown) => err instanceof MailboxError && err.code === 'malformed',
    )
    // The framing held, so the stream is still usable: a good deposit on it is stored.
    const deposit = encodeRequest({
      deposit: {
        mailboxId: new Uint8Array(me.mailboxId),
        capability: new Uint8Array(me.capability),
        expiryS: 86_400,
        sealed: new Uint8Array(1024).fill(5),
      },
    })
    await lp.write(deposit)
    const res = decodeResponse((await lp.read()).subarray())
    assert.ok(res.depositId > 0n)
    await stream.close()
    assert.deepEqual(
      (await r.client.fetch(me)).messages.map((m) => m.sealed),
      [new Uint8Array(1024).fill(5)],
    )
    await r.stop()
  })

  test('each wait of the service has a deadline that is let go when the wait ends: one per idle stream, none once it closed', async () => {
    // AbortSignal.timeout would keep each finished read's timer, and the stream its listener
    // holds, for the whole idle time (a busy relay: thousands of finished streams held).
    const r = await relayAndClient()
    const base = pendingDeadlines()
    const stream = await r.open()
    const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
    for (let i = 0; i < 3; i++) {
      await lp.write(encodeRequest({ info: {} }))
      decodeResponse((await lp.read()).subarray())
    }
    // Three requests answered: only the wait for the next one holds a deadline.
    await waitFor(() => pendingDeadlines() - base === 1)
    await stream.close()
    await Promise.allSettled(r.served)
    assert.equal(pendingDeadlines() - base, 0, 'nothing left once the stream closed')
    await r.stop()
  })

  test('an oversize frame: a typed oversize answer, the stream is reset, nothing stored', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    await r.client.create(me)
    const stream = await r.open()
    const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
    // A prefix one byte over the cap, and the first KiB of a body.
    const handled = r.served.at(-1)!
    const header = lengthPrefixed(new Uint8Array(MAX_REQUEST_FRAME_BYTES + 1)).subarray(0, 4)
    stream.send(Uint8Array.from([...header, ...new Uint8Array(1024)]))
    await assert.rejects(
      Promise.resolve().then(async () => decodeResponse((await lp.read()).subarray())),
      (err: unknown) => err instanceof MailboxError && err.code === 'oversize',
    )
    await handled
    assert.equal(stream.status === 'open' && stream.readStatus === 'readable', false)
    assert.equal((await r.store.stats()).messages, 0)
    await r.stop()
  })

  test('a deposit cut halfway (the client closes mid-frame): nothing is stored, no answer', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    await r.client.create(me)
    const stream = await r.open()
    const deposit = lengthPrefixed(
      encodeRequest({
        deposit: {
          mailboxId: new Uint8Array(me.mailboxId),
          capability: new Uint8Array(me.capability),
          expiryS: 86_400,
          sealed: new Uint8Array(4096).fill(4),
        },
      }),
    )
    const handled = r.served.at(-1)!
    stream.send(deposit.subarray(0, deposit.length / 2))
    await stream.close()
    // The relay's handler for this stream ends at the cut (not after its 30 s idle timeout).
    await handled
    const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(2_000) }))
    assert.equal((await r.store.stats()).messages, 0)
    assert.deepEqual((await r.client.fetch(me)).messages, [])
    await r.stop()
  })

  test('a prekey fetch racing the owner closing the mailbox answers unknown_mailbox, never no_prekeys', async () => {
    const r = await relayAndClient()
    const me = newMailboxCredentials()
    await r.client.create(me)
    await r.client.publishPrekeys(me, new Uint8Array(64).fill(7), [])
    // The owner's close lands between the fetch's mailbox lookup and its prekey take.
    const getMailbox = r.store.getMailbox.bind(r.store)
    r.store.getMailbox = async (id) => {
      const found = await getMailbox(id)
      await r.store.purgeMailbox(id)
      return found
    }
    await assert.rejects(
      r.client.fetchPrekeys(depositAddressOf(me)),
      (err: unknown) => err instanceof MailboxError && err.code === 'unknown_mailbox',
      'a link reader is told the mailbox is gone (closed), not that it is open and empty',
    )
    await r.stop()
  })
  test('idle expiry at its edge: last seen 30 days ago (the TTL) a mailbox takes deposits, 31 days ago it answers mailbox_expired and stores nothing', async () => {
    const r = await relayAndClient({ mailboxIdleTtlMs: 30 * DAY_MS })
    const me = newMailboxCredentials()
    await r.client.create(me)
    // The owner's last authorised access, set straight in the relay's database.
    const db = new DatabaseSync(join(r.dir, 'relay.db'))
    const lastSeen = (daysAgo: number) =>
      db
        .prepare('UPDATE mailboxes SET last_seen_day = ? WHERE id = ?')
        .run(Math.floor(Date.now() / DAY_MS) - daysAgo, me.mailboxId)
    try {
      lastSeen(30)
      assert.ok((await r.client.deposit(depositAddressOf(me), new Uint8Array(1024))) > 0n)
      lastSeen(31)
      await assert.rejects(
        r.client.deposit(depositAddressOf(me), new Uint8Array(1024)),
        (err: unknown) => err instanceof MailboxError && err.code === 'mailbox_expired',
      )
      assert.equal((await r.store.stats()).messages, 1, 'the refused deposit stored nothing')
    } finally {
      db.close()
      await r.stop()
    }
  })
})
