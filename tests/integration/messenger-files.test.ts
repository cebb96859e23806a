/**
 * File transfer through the messenger (issue 7): two messenger services on real libp2p (WebRTC via
 * node-datachannel on loopback) and a real relay, with Node file sources and sinks. A file offered
 * through the client API shows as a file message on both sides, is accepted, pulled over the direct
 * connection and saved byte-identical, with progress events on both sides; decline and cancel reach
 * the other side; without a direct connection a file under the cap goes through the mailbox, a larger
 * one waits.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ClientEvent, FileTransfer } from '@hestia/core/client/api.ts'
import type { RelayHandle } from '@hestia/relay-node'
import {
  NodeFileStorage,
  nodeSha256,
  sha256OfFile,
  tempDir,
  writeDeterministicFile,
} from './support/files-storage.ts'
import {
  TestPeer,
  connectPeers,
  ensureDirect,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

const MiB = 1024 * 1024

function withFiles(
  peer: TestPeer,
  extra: { mailboxCapBytes?: number; directWaitMs?: number } = {},
): NodeFileStorage {
  const storage = new NodeFileStorage(tempDir(`hestia-msg-files-${peer.name}-`))
  peer.files = { storage, sha256: nodeSha256, tuning: { progressEveryMs: 0 }, ...extra }
  return storage
}

let staged = 0

/** Writes a deterministic file into the sender's storage and stages it; returns its SHA-256. */
async function stageFile(
  storage: NodeFileStorage,
  size: number,
  name: string,
): Promise<{
  file: { stagedFileId: string; name: string; size: number; mimeType: string }
  sha256: string
}> {
  const path = join(storage.dir, `${name}.source`)
  const sha256 = await writeDeterministicFile(path, size, name)
  const stagedFileId = `staged-${++staged}`
  storage.stage(stagedFileId, path)
  return { file: { stagedFileId, name, size, mimeType: 'application/octet-stream' }, sha256 }
}

async function transferOf(peer: TestPeer, transferId: string): Promise<FileTransfer | undefined> {
  const list = (await peer.must({ type: 'transfers.list', conversationId: null })).transfers
  return list.find((t) => t.transferId === transferId)
}

async function waitState(
  peer: TestPeer,
  transferId: string,
  states: readonly string[],
  timeoutMs = 30_000,
): Promise<FileTransfer> {
  let last: FileTransfer | undefined
  await waitUntil(
    `${peer.name}: transfer ${transferId} in ${states.join('|')}`,
    async () => {
      last = await transferOf(peer, transferId)
      return last !== undefined && states.includes(last.state)
    },
    timeoutMs,
  )
  return last!
}

function updates(peer: TestPeer, transferId: string): FileTransfer[] {
  return peer.events.flatMap((e: ClientEvent) =>
    e.type === 'transfer.updated' && e.transfer.transferId === transferId ? [e.transfer] : [],
  )
}

/** The file message of a transfer in a conversation, once it is there. */
async function fileMessage(peer: TestPeer, conversationId: string, transferId: string) {
  let found: Awaited<ReturnType<TestPeer['history']>>[number] | undefined
  await waitUntil(`${peer.name} shows the file message`, async () => {
    found = (await peer.history(conversationId)).find(
      (m) => m.body.kind === 'file' && m.body.transferId === transferId,
    )
    return found !== undefined
  })
  return found!
}

describe('messenger: file transfer over a direct connection', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let storeA: NodeFileStorage
  let storeB: NodeFileStorage
  let convA: string
  let convB: string

  before(async () => {
    relay = await startTestRelay()
    a = new TestPeer('alice', relay.multiaddrs)
    b = new TestPeer('bob', relay.multiaddrs)
    storeA = withFiles(a)
    storeB = withFiles(b)
    await a.start()
    await b.start()
    ;({ convA, convB } = await connectPeers(a, b))
    await ensureDirect(b, a, relay.multiaddrs[0]!)
  })

  after(async () => {
    await a.stop()
    await b.stop()
    await relay.stop().catch(() => undefined)
    await rm(storeA.dir, { recursive: true, force: true })
    await rm(storeB.dir, { recursive: true, force: true })
    await rm(relay.dataDir, { recursive: true, force: true }).catch(() => undefined)
    releaseWebRTC()
  })

  test('a 6 MiB file: offered, shown in both conversations, accepted, received byte-identical with progress on both sides', async () => {
    const size = 6 * MiB + 12_345
    const { file, sha256 } = await stageFile(storeA, size, 'holiday.bin')
    const t0 = performance.now()
    const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
    assert.equal(transfer.direction, 'out')
    assert.equal(transfer.size, size)
    const id = transfer.transferId

    const sent = await fileMessage(a, convA, id)
    assert.equal(sent.direction, 'out')
    assert.deepEqual(sent.body, {
      kind: 'file',
      transferId: id,
      name: 'holiday.bin',
      size,
      mimeType: 'application/octet-stream',
    })
    const shown = await fileMessage(b, convB, id)
    assert.equal(shown.direction, 'in')
    assert.deepEqual(shown.body, sent.body)
    assert.equal(shown.messageId, sent.messageId, 'the same message on both sides')
    const offered = await waitState(b, id, ['offered'])
    assert.equal(offered.direction, 'in')
    assert.equal(offered.name, 'holiday.bin')
    // The offer message is delivered (receipt) like a text.
    await waitUntil('the offer shows delivered', async () => {
      const m = (await a.history(convA)).find((x) => x.messageId === sent.messageId)
      return m?.delivery === 'delivered'
    })
    const preview = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
    assert.equal(preview.lastMessage?.kind, 'file')
    assert.equal(preview.lastMessage?.text, 'holiday.bin')

    const accepted = await b.must({ type: 'transfer.accept', transferId: id })
    assert.ok(['transferring', 'waiting', 'completed'].includes(accepted.transfer.state))
    const doneB = await waitState(b, id, ['completed', 'failed'], 60_000)
    assert.equal(doneB.state, 'completed', JSON.stringify(doneB.error))
    const doneA = await waitState(a, id, ['completed', 'failed'], 15_000)
    assert.equal(doneA.state, 'completed')
    assert.equal(doneA.route, 'direct')
    assert.equal(doneB.progress.bytes, size)
    const seconds = (performance.now() - t0) / 1000

    const sink = storeB.sinks.get(id)
    assert.ok(sink?.completed, 'the receiver saved the file')
    assert.equal(await sha256OfFile(sink.finalPath), sha256, 'byte-identical')

    for (const [peer, who] of [
      [a, 'sender'],
      [b, 'receiver'],
    ] as const) {
      const seen = updates(peer, id)
      const partial = seen.filter(
        (t) => t.state === 'transferring' && t.progress.bytes > 0 && t.progress.bytes < size,
      )
      assert.ok(partial.length > 0, `${who} saw progress between 0 and the size`)
      const bytes = seen.filter((t) => t.state === 'transferring').map((t) => t.progress.bytes)
      assert.deepEqual(
        bytes,
        [...bytes].sort((x, y) => x - y),
        `${who} progress never goes back`,
      )
      assert.equal(seen.at(-1)?.state, 'completed', `${who}'s last event says completed`)
    }
    console.log(
      `# messenger file transfer: ${(size / MiB).toFixed(1)} MiB in ${seconds.toFixed(1)} s`,
    )
  })

  test('decline: the sender sees declined, nothing is saved', async () => {
    const { file } = await stageFile(storeA, 300_000, 'declined.bin')
    const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
    const id = transfer.transferId
    await waitState(b, id, ['offered'])
    const res = await b.must({ type: 'transfer.decline', transferId: id })
    assert.equal(res.transfer.state, 'declined')
    const onA = await waitState(a, id, ['declined'], 15_000)
    assert.equal(onA.state, 'declined')
    assert.equal(storeB.sinks.get(id)?.completed ?? false, false)
    // A declined offer cannot be accepted afterwards: a typed client error, not a crash.
    const again = await b.req({ type: 'transfer.accept', transferId: id })
    assert.equal(again.ok, false)
    if (!again.ok) assert.equal(again.error.code, 'invalid_state')
    await fileMessage(b, convB, id)
    // A staged file the host cannot open: a typed error, no message, no transfer.
    const before = (await a.history(convA)).length
    const gone = await a.req({
      type: 'transfer.offer',
      conversationId: convA,
      file: { stagedFileId: 'never-staged', name: 'gone.bin', size: 10, mimeType: '' },
    })
    assert.equal(gone.ok, false)
    if (!gone.ok) assert.equal(gone.error.code, 'not_found')
    assert.equal((await a.history(convA)).length, before)
  })

  test('pause and resume by the receiver: the sender follows, the file completes byte-identical', async () => {
    storeB.writeDelayMs = 100
    try {
      const size = 5 * MiB
      const { file, sha256 } = await stageFile(storeA, size, 'paused.bin')
      const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
      const id = transfer.transferId
      await waitState(b, id, ['offered'])
      await b.must({ type: 'transfer.accept', transferId: id })
      await waitUntil(
        'the receiver stored part of the file',
        async () => ((await transferOf(b, id))?.progress.bytes ?? 0) > 0,
        30_000,
      )
      const paused = await b.must({ type: 'transfer.pause', transferId: id })
      assert.equal(paused.transfer.state, 'paused')
      await waitState(a, id, ['paused'], 15_000)
      storeB.writeDelayMs = 0
      await b.must({ type: 'transfer.resume', transferId: id })
      const done = await waitState(b, id, ['completed', 'failed'], 60_000)
      assert.equal(done.state, 'completed', JSON.stringify(done.error))
      await waitState(a, id, ['completed'], 15_000)
      assert.equal(await sha256OfFile(storeB.sinks.get(id)!.finalPath), sha256)
    } finally {
      storeB.writeDelayMs = 0
    }
  })

  test('cancel mid-transfer by the sender: both end cancelled, the partial file is discarded', async () => {
    storeB.writeDelayMs = 150 // a slow disk keeps the transfer running long enough to cancel it
    try {
      const size = 8 * MiB
      const { file } = await stageFile(storeA, size, 'cancelled.bin')
      const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
      const id = transfer.transferId
      await waitState(b, id, ['offered'])
      await b.must({ type: 'transfer.accept', transferId: id })
      await waitUntil(
        'the receiver stored part of the file',
        async () => {
          const t = await transferOf(b, id)
          return t !== undefined && t.progress.bytes > 0
        },
        30_000,
      )
      const res = await a.must({ type: 'transfer.cancel', transferId: id })
      assert.equal(res.transfer.state, 'cancelled')
      const onB = await waitState(b, id, ['cancelled', 'completed'], 15_000)
      assert.equal(onB.state, 'cancelled')
      assert.ok(onB.progress.bytes < size)
      await waitUntil(
        'the partial file is discarded',
        () => storeB.sinks.get(id)?.discarded === true,
      )
      assert.equal(storeB.sinks.get(id)?.completed, false)
      const missing = await a.req({ type: 'transfer.pause', transferId: 'ff'.repeat(16) })
      assert.equal(missing.ok, false)
      if (!missing.ok) assert.equal(missing.error.code, 'not_found')
    } finally {
      storeB.writeDelayMs = 0
    }
  })
})

describe('messenger: a host that passes no files option', () => {
  test('transfer requests answer unsupported, the transfer list is empty', async () => {
    const relay = await startTestRelay()
    const e = new TestPeer('erin', relay.multiaddrs)
    try {
      await e.start()
      await e.must({ type: 'identity.create', displayName: 'erin' })
      const res = await e.req({
        type: 'transfer.offer',
        conversationId: 'AAAAAAAAAAAAAAAAAAAAAA',
        file: { stagedFileId: 's', name: 'x.bin', size: 1, mimeType: '' },
      })
      assert.equal(res.ok, false)
      if (!res.ok) assert.equal(res.error.code, 'unsupported')
      const accept = await e.req({ type: 'transfer.accept', transferId: 'ab'.repeat(16) })
      assert.equal(accept.ok, false)
      if (!accept.ok) assert.equal(accept.error.code, 'unsupported')
      const list = await e.must({ type: 'transfers.list', conversationId: null })
      assert.deepEqual(list.transfers, [])
    } finally {
      await e.stop()
      await relay.stop().catch(() => undefined)
      await rm(relay.dataDir, { recursive: true, force: true }).catch(() => undefined)
    }
  })
})

describe('messenger: file transfer without a direct connection', () => {
  let relay: RelayHandle
  let a: TestPeer
  let c: TestPeer
  let storeA: NodeFileStorage
  let storeC: NodeFileStorage
  let convA: string
  let convC: string
  const capBytes = 1 * MiB

  before(async () => {
    // The cap comes from the relay (RelayInfo.file_fallback_cap_bytes), not from the hosts.
    relay = await startTestRelay(undefined, 0, { fileFallbackCapBytes: capBytes })
    a = new TestPeer('dave', relay.multiaddrs)
    c = new TestPeer('carol', relay.multiaddrs)
    c.direct = false // no WebRTC: every byte has to go through the relay's mailboxes
    storeA = withFiles(a, { directWaitMs: 2_000 })
    storeC = withFiles(c, { directWaitMs: 2_000 })
    await a.start()
    await c.start()
    ;({ convA, convB: convC } = await connectPeers(a, c))
  })

  after(async () => {
    await a.stop()
    await c.stop()
    await relay.stop().catch(() => undefined)
    await rm(storeA.dir, { recursive: true, force: true })
    await rm(storeC.dir, { recursive: true, force: true })
    await rm(relay.dataDir, { recursive: true, force: true }).catch(() => undefined)
    releaseWebRTC()
  })

  test('a file under the cap goes sealed through the mailbox and arrives byte-identical', async () => {
    const size = 700_000
    const { file, sha256 } = await stageFile(storeA, size, 'small.bin')
    const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
    const id = transfer.transferId
    await fileMessage(c, convC, id)
    await waitState(c, id, ['offered'])
    await c.must({ type: 'transfer.accept', transferId: id })
    const onC = await waitState(c, id, ['completed', 'failed'], 45_000)
    assert.equal(onC.state, 'completed', JSON.stringify(onC.error))
    assert.equal(onC.route, 'mailbox')
    const onA = await waitState(a, id, ['completed', 'failed'], 15_000)
    assert.equal(onA.state, 'completed')
    assert.equal(onA.route, 'mailbox')
    const sink = storeC.sinks.get(id)
    assert.ok(sink?.completed)
    assert.equal(await sha256OfFile(sink.finalPath), sha256, 'byte-identical')
    const pieces = a.sent.filter((s) => s.kind === 'control' && s.route === 'mailbox').length
    assert.ok(pieces >= Math.ceil(size / (3 * 16384)), `pieces went to the mailbox (${pieces})`)
  })

  test('the sender restarts right after the accept: it decides the route again and the file arrives', async () => {
    const size = 200_000
    const { file, sha256 } = await stageFile(storeA, size, 'restart.bin')
    const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
    const id = transfer.transferId
    await waitState(c, id, ['offered'])
    await c.must({ type: 'transfer.accept', transferId: id })
    // Within the 2 s the sender waits for a direct pull: stop it before it picked the mailbox.
    await waitState(a, id, ['waiting'], 15_000)
    await a.stop()
    assert.equal(
      (await a.store.getTransfer(id))?.route,
      'direct',
      'no route decided before the stop',
    )
    await a.start()
    const onC = await waitState(c, id, ['completed', 'failed'], 45_000)
    assert.equal(onC.state, 'completed', JSON.stringify(onC.error))
    assert.equal(onC.route, 'mailbox')
    await waitState(a, id, ['completed'], 15_000)
    assert.equal(await sha256OfFile(storeC.sinks.get(id)!.finalPath), sha256, 'byte-identical')
  })

  test('a file over the cap the relay announces waits (too_large) until both are online directly', async () => {
    const size = 2 * capBytes
    const { file } = await stageFile(storeA, size, 'large.bin')
    const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
    const id = transfer.transferId
    await waitState(c, id, ['offered'])
    await c.must({ type: 'transfer.accept', transferId: id })
    let waiting: FileTransfer | undefined
    await waitUntil(
      'the sender shows the transfer waiting as too large',
      async () => {
        waiting = await transferOf(a, id)
        return waiting?.state === 'waiting' && waiting.error?.code === 'too_large'
      },
      20_000,
    )
    assert.match(waiting!.error!.message, /online at the same time/)
    const onC = await transferOf(c, id)
    assert.notEqual(onC?.state, 'completed')
    assert.equal(onC?.progress.bytes, 0, 'nothing of it went through the mailbox')
    // The user gives up: the cancel reaches the receiver through the mailbox.
    await a.must({ type: 'transfer.cancel', transferId: id })
    await waitState(c, id, ['cancelled'], 20_000)
  })
})
