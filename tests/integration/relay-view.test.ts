/**
 * What the relay sees (issue #18, Done when). Three users — real Node messengers on one relay, all
 * on the mailbox route — add each other, chat, verify a safety number, send a file and rotate a
 * mailbox, while a test-only recorder (relay-node/test-support/relay-recorder.ts) keeps everything
 * an operator could: every connection and stream the relay served (PeerId, address, protocol,
 * time, bytes), every mailbox request read from those bytes, the reservation holders, the data
 * directory, the log and the metrics. Then, mechanically:
 * (a) no identity key, device key, device certificate or safety number is anywhere in it;
 * (b) no PeerId touches two mailboxes of one owner, nor the owner's reserved (long-term) PeerId;
 * (c) no depositor's or bundle fetcher's PeerId ever held a reservation, a subscription or any
 *     owner operation, and none deposits into two mailboxes;
 * (d) chat traffic (session starts, Hellos, messages, receipts, file controls, rotation notices)
 *     is one size, file pieces another.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ContactSummary } from '@hestia/core/client/api.ts'
import { mailboxPieceCount } from '@hestia/core/files/fallback.ts'
import { decodeSecrets, ownedMailbox } from '@hestia/core/messenger/secrets.ts'
import { SIZE_CLASS_MIN_BUCKET } from '@hestia/core/messenger/size-classes.ts'
import { startRelay, type RelayHandle } from '@hestia/relay-node'
import {
  OWNER_OPS,
  recordRelay,
  type RelayRecord,
  type RelayRecorder,
} from '../../relay-node/test-support/relay-recorder.ts'
import type { NodeFileStorage } from './support/files-storage.ts'
import {
  LOOPBACK_USERS,
  TestPeer,
  releaseWebRTC,
  tempDir,
  waitUntil,
} from './support/messenger-harness.ts'
import { stageFile, waitTransferState, withFiles } from './support/staged-files.ts'
import { secretForms, type Needle } from './support/sealed-markers.ts'

const CHAT = SIZE_CLASS_MIN_BUCKET.chat
const PIECE = SIZE_CLASS_MIN_BUCKET.file_piece
const FILE_SIZE = 2 * 48 * 1024 + 1000

/** Every place the record holds bytes, by name. */
function haystacks(record: RelayRecord): Array<{ where: string; bytes: Buffer }> {
  return [
    ...[...record.files].map(([name, bytes]) => ({ where: `file ${name}`, bytes })),
    { where: 'log', bytes: Buffer.from(record.log) },
    { where: 'metrics', bytes: Buffer.from(record.metrics) },
    ...record.streams.map((s, i) => ({
      where: `stream ${i} ${s.protocol} from ${s.peerId}`,
      bytes: Buffer.concat([...s.received, ...s.sent]),
    })),
  ]
}

async function mailboxRoot(peer: TestPeer): Promise<Uint8Array> {
  return decodeSecrets((await peer.store.getIdentity())!.secretKeys).mailboxRoot
}

/** `from` adds `to` through `to`'s invite; resolves once both list each other. */
async function introduce(from: TestPeer, to: TestPeer): Promise<void> {
  const before = (await from.must({ type: 'conversations.list', query: null })).conversations.length
  const invite = await to.must({ type: 'invite.mine' })
  await from.must({ type: 'invite.accept', invite: invite.link })
  await waitUntil(`${to.name} lists ${from.name}`, async () => {
    return (await contactsOf(to)).some((c) => c.displayName === from.name)
  })
  await waitUntil(`${from.name} has one more conversation`, async () => {
    const list = (await from.must({ type: 'conversations.list', query: null })).conversations
    return list.length === before + 1
  })
}

async function contactsOf(peer: TestPeer): Promise<ContactSummary[]> {
  const list = (await peer.must({ type: 'conversations.list', query: null })).conversations
  return list.map((c) => c.contact)
}

async function contactOf(
  peer: TestPeer,
  name: string,
): Promise<{ contactId: string; conv: string }> {
  const c = (await contactsOf(peer)).find((x) => x.displayName === name)
  if (c === undefined) throw new Error(`${peer.name} has no contact ${name}`)
  return { contactId: c.contactId, conv: c.conversationId }
}

async function sendAndDeliver(from: TestPeer, to: string, text: string): Promise<void> {
  const { conv } = await contactOf(from, to)
  const { message } = await from.must({ type: 'messages.send', conversationId: conv, text })
  await waitUntil(`${from.name} → ${to}: "${text}" delivered`, async () => {
    const m = (await from.history(conv)).find((x) => x.messageId === message.messageId)
    return m?.delivery === 'delivered'
  })
}

describe('relay view: what an operator records of three users', () => {
  let relay: RelayHandle
  let recorder: RelayRecorder
  let record: RelayRecord
  let rotated: { ok: boolean; error?: unknown }
  /** hex id of ben's mailbox for ana before the rotation. */
  let retired: string
  const logFile = join(tempDir('hestia-relay-view-log-'), 'relay.log')
  const peers: TestPeer[] = []
  const storages: NodeFileStorage[] = []
  const needles: Needle[] = []
  /** hex mailbox id → the user who created it. */
  const owner = new Map<string, string>()
  /** The PeerId each user's node reserves on the relay with (the one in its device certificate). */
  const longTerm = new Map<string, string>()

  before(async () => {
    relay = await startRelay({
      dataDir: tempDir(),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      stunPort: -1,
      adminPort: 0,
      logLevel: 'trace',
      logDestination: logFile,
      mailbox: { fileFallbackCapBytes: 1024 * 1024 },
      relay: LOOPBACK_USERS,
    })
    recorder = recordRelay(relay, {
      logFile,
      metricsUrl: `http://127.0.0.1:${relay.adminPort}/metrics`,
    })
    for (const name of ['ana', 'ben', 'cem']) {
      const p = new TestPeer(name, relay.multiaddrs)
      p.direct = false // everything crosses the relay: the most it can see
      storages.push(withFiles(p, { directWaitMs: 300 }))
      peers.push(await p.start())
      await p.must({ type: 'identity.create', displayName: name })
      longTerm.set(name, p.service.node!.peerId.toString())
    }
    const [ana, ben, cem] = peers as [TestPeer, TestPeer, TestPeer]
    await introduce(ben, ana)
    await introduce(cem, ana)
    await introduce(cem, ben)

    // Chat both ways on every pair.
    for (const [x, y] of [
      [ana, ben],
      [ana, cem],
      [ben, cem],
    ] as const) {
      await sendAndDeliver(x, y.name, `hello ${y.name}`)
      await sendAndDeliver(y, x.name, `hi ${x.name}`)
    }

    // Verify: ana compares the safety number with ben.
    const anaBen = await contactOf(ana, 'ben')
    const info = await ana.must({ type: 'contact.info', contactId: anaBen.contactId })
    await ana.must({
      type: 'contact.verify',
      contactId: anaBen.contactId,
      method: 'safety_number',
      scannedPayload: info.safetyNumber.join(''),
    })

    // A file from ana to cem through the mailbox.
    const { file } = await stageFile(storages[0]!, FILE_SIZE, 'view.bin')
    const anaCem = await contactOf(ana, 'cem')
    const { transfer } = await ana.must({
      type: 'transfer.offer',
      conversationId: anaCem.conv,
      file,
    })
    await waitTransferState(cem, transfer.transferId, ['offered'])
    await cem.must({ type: 'transfer.accept', transferId: transfer.transferId })
    const done = await waitTransferState(cem, transfer.transferId, ['completed', 'failed'], 45_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))

    // Rotate: ben moves the mailbox ana writes to; ana's next message arrives on the new one.
    const benAna = await contactOf(ben, 'ana')
    const oldId = (await ben.store.getContact(benAna.contactId))!.inboundMailboxId!
    retired = Buffer.from(oldId, 'base64url').toString('hex')
    rotated = await ben.req({ type: 'contact.rotateMailbox', contactId: benAna.contactId })
    if (rotated.ok) {
      await sendAndDeliver(ana, 'ben', 'after rotation')
      await sendAndDeliver(ben, 'ana', 'after rotation too')
      await waitUntil('ben closed the rotated-out mailbox', async () => {
        const c = await ben.store.getContact(benAna.contactId)
        return (c?.retiringMailboxes ?? []).length === 0
      })
    }

    // What must never be seen: identity and device keys, certificates, safety numbers.
    for (const p of peers) {
      const local = p.service.messenger!.ctx.local
      needles.push(...secretForms(`${p.name} identity key`, local.cert.identityKey))
      needles.push(...secretForms(`${p.name} device key`, local.cert.deviceKey))
      needles.push(...secretForms(`${p.name} device certificate`, local.cert.bytes))
      for (const c of await contactsOf(p)) {
        const digits = (await p.must({ type: 'contact.info', contactId: c.contactId })).safetyNumber
        needles.push({
          name: `${p.name}/${c.displayName} safety number`,
          bytes: Buffer.from(digits.join('')),
        })
        needles.push({
          name: `${p.name}/${c.displayName} safety number (groups)`,
          bytes: Buffer.from(digits.join(' ')),
        })
      }
    }
    record = await recorder.record()
    const roots = await Promise.all(peers.map(async (p) => [p.name, await mailboxRoot(p)] as const))
    for (const r of record.requests) {
      if (r.op !== 'create' || r.authPublicKey === undefined) continue
      for (const [name, root] of roots) {
        const o = ownedMailbox(root, Buffer.from(r.mailboxId, 'hex'))
        if (Buffer.from(o.credentials.authPublicKey).toString('hex') === r.authPublicKey)
          owner.set(r.mailboxId, name)
      }
    }
  })

  after(async () => {
    recorder?.stop()
    for (const p of peers) await p.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    for (const s of storages) await rm(s.dir, { recursive: true, force: true })
    await rm(relay.dataDir, { recursive: true, force: true }).catch(() => undefined)
    releaseWebRTC()
  })

  test('the record is not empty: connections, mailbox requests, files, log and metrics', (t) => {
    const byOp = new Map<string, number>()
    for (const r of record.requests) byOp.set(r.op, (byOp.get(r.op) ?? 0) + 1)
    t.diagnostic(
      `record: ${record.connections.length} connections from ` +
        `${new Set(record.connections.map((c) => c.peerId)).size} PeerIds, ` +
        `${record.streams.length} streams, requests ${JSON.stringify(Object.fromEntries(byOp))}, ` +
        `${record.reservationHolders.size} reservation holders, ${owner.size} mailboxes ` +
        `(${[...new Set(owner.values())].map((n) => `${n}: ${[...owner.values()].filter((x) => x === n).length}`).join(', ')}), ` +
        `${record.files.size} files, log ${record.log.length} B, metrics ${record.metrics.length} B`,
    )
    const protocols = new Map<string, number>()
    for (const st of record.streams)
      protocols.set(st.protocol, (protocols.get(st.protocol) ?? 0) + 1)
    t.diagnostic(`streams by protocol: ${JSON.stringify(Object.fromEntries(protocols))}`)
    t.diagnostic(
      `log messages: ${JSON.stringify(
        record.log
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { msg: string }).msg),
      )}`,
    )
    t.diagnostic(`files: ${[...record.files.keys()].join(', ')}`)
    const depositors = new Set(
      record.requests.filter((r) => r.op === 'deposit').map((r) => r.peerId),
    )
    const owners = new Set(record.requests.filter((r) => OWNER_OPS.has(r.op)).map((r) => r.peerId))
    t.diagnostic(
      `PeerIds: ${owners.size} doing owner requests, ${depositors.size} depositing, ${longTerm.size} reserved; addresses: ${[...new Set(record.connections.map((c) => c.remoteAddr.split('/tcp/')[0]))].join(', ')}`,
    )
    for (const op of ['create', 'deposit', 'fetch', 'subscribe', 'fetchPrekeys', 'close'])
      assert.ok(byOp.has(op), `the recorder saw ${op}`)
    assert.ok(record.log.includes('relay started'), 'the log was recorded')
    assert.ok(record.metrics.includes('# TYPE'), 'the metrics were recorded')
    assert.equal(new Set(owner.values()).size, 3, 'every user owns mailboxes at the relay')
  })

  test('a rotated mailbox keeps the conversation going', () => {
    assert.ok(rotated.ok, JSON.stringify(rotated.error))
    const closed = record.requests.findIndex((r) => r.op === 'close' && r.mailboxId === retired)
    assert.ok(closed >= 0, 'the rotated-out mailbox was closed at the relay')
    const lastDeposit = record.requests.findLastIndex(
      (r) => r.op === 'deposit' && r.mailboxId === retired,
    )
    assert.ok(lastDeposit < closed, 'nothing was deposited into it after it was closed')
    const fresh = record.requests.filter(
      (r) => r.op === 'create' && owner.get(r.mailboxId) === 'ben' && r.mailboxId !== retired,
    )
    assert.ok(
      record.requests.some(
        (r) => r.op === 'deposit' && fresh.some((f) => f.mailboxId === r.mailboxId),
      ),
      'ana writes to a new mailbox of ben',
    )
  })

  test('(a) no identity key, device key, certificate or safety number anywhere', () => {
    // The search reads what the relay read: a mailbox id it was sent is found the same way.
    const someMailbox = Buffer.from([...owner.keys()][0]!, 'hex')
    assert.ok(haystacks(record).some((h) => h.bytes.includes(someMailbox)))
    const found: string[] = []
    for (const h of haystacks(record))
      for (const n of needles) if (h.bytes.includes(n.bytes)) found.push(`${n.name} in ${h.where}`)
    assert.deepEqual(found, [])
  })

  test('(b) no PeerId links two mailboxes of one user, or a mailbox to the reserved PeerId', () => {
    const touched = new Map<string, Set<string>>()
    for (const r of record.requests) {
      if (!OWNER_OPS.has(r.op)) continue
      const set = touched.get(r.peerId) ?? new Set()
      set.add(r.mailboxId)
      touched.set(r.peerId, set)
    }
    const linked: string[] = []
    for (const [peerId, mailboxes] of touched) {
      const users = [...mailboxes].map((m) => owner.get(m) ?? '?')
      if (mailboxes.size > 1)
        linked.push(`${peerId} served ${mailboxes.size} mailboxes of ${users.join(',')}`)
      if ([...longTerm.values()].includes(peerId) || record.reservationHolders.has(peerId))
        linked.push(`${peerId} (reserved) served mailboxes of ${users.join(',')}`)
    }
    assert.deepEqual(linked, [])
  })

  test('(c) depositors and bundle fetchers use PeerIds seen nowhere else, one mailbox each', () => {
    const elsewhere = new Set<string>([...record.reservationHolders, ...longTerm.values()])
    for (const r of record.requests) if (OWNER_OPS.has(r.op)) elsewhere.add(r.peerId)
    const targets = new Map<string, Set<string>>()
    for (const r of record.requests) {
      if (r.op !== 'deposit' && r.op !== 'fetchPrekeys') continue
      const set = targets.get(r.peerId) ?? new Set()
      set.add(r.mailboxId)
      targets.set(r.peerId, set)
    }
    assert.ok(targets.size > 0)
    const linked: string[] = []
    for (const [peerId, mailboxes] of targets) {
      if (elsewhere.has(peerId))
        linked.push(
          `${peerId} deposited into ${[...mailboxes].map((m) => owner.get(m)).join(',')}'s mailbox and also reserved, subscribed or owned`,
        )
      if (mailboxes.size > 1) linked.push(`${peerId} deposited into ${mailboxes.size} mailboxes`)
    }
    assert.deepEqual(linked, [])
  })

  test('(d) one size for chat traffic, one for file pieces', () => {
    const sizes = record.requests.flatMap((r) => (r.op === 'deposit' ? [r.sealedBytes!] : []))
    assert.deepEqual(
      [...new Set(sizes)].sort((x, y) => x - y),
      [CHAT, PIECE],
      `deposit sizes: ${sizes.join(', ')}`,
    )
    assert.equal(
      sizes.filter((s) => s === PIECE).length,
      mailboxPieceCount(FILE_SIZE),
      'the file shows only as whole pieces',
    )
  })
})
