/**
 * Size classes at the relay (issue #18 (d), ADR 0750): with both users on the mailbox route, every
 * envelope the relay stores — session start, Hellos, a message, delivery receipts, file offer and
 * controls, file pieces — is read back from the relay's own database. Chat traffic has one size;
 * file pieces have one size (the last, short piece too), so a file shows only as whole pieces.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import type { RelayHandle } from '@hestia/relay-node'
import { mailboxPieceCount } from '@hestia/core/files/fallback.ts'
import { SIZE_CLASS_MIN_BUCKET } from '@hestia/core/messenger/size-classes.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'
import { recordDeposits, type DepositRecorder } from './support/relay-deposits.ts'
import type { NodeFileStorage } from './support/files-storage.ts'
import { sha256OfFile } from './support/files-storage.ts'
import { stageFile, waitTransferState, withFiles } from './support/staged-files.ts'

const CHAT = SIZE_CLASS_MIN_BUCKET.chat
const PIECE = SIZE_CLASS_MIN_BUCKET.file_piece

describe('relay view: envelope sizes by traffic class', () => {
  let relay: RelayHandle
  let deposits: DepositRecorder
  let a: TestPeer
  let c: TestPeer
  let storeA: NodeFileStorage
  let storeC: NodeFileStorage
  let convA: string

  before(async () => {
    relay = await startTestRelay(undefined, 0, { fileFallbackCapBytes: 1024 * 1024 })
    deposits = recordDeposits(relay.dataDir)
    a = new TestPeer('ana', relay.multiaddrs)
    c = new TestPeer('cem', relay.multiaddrs)
    a.direct = false // no WebRTC on either side: everything crosses the relay's mailboxes
    c.direct = false
    storeA = withFiles(a, { directWaitMs: 500 })
    storeC = withFiles(c, { directWaitMs: 500 })
    await a.start()
    await c.start()
    ;({ convA } = await connectPeers(a, c))
  })

  after(async () => {
    await a.stop().catch(() => undefined)
    await c.stop().catch(() => undefined)
    deposits.close()
    await relay.stop().catch(() => undefined)
    await rm(storeA.dir, { recursive: true, force: true })
    await rm(storeC.dir, { recursive: true, force: true })
    await rm(relay.dataDir, { recursive: true, force: true }).catch(() => undefined)
    releaseWebRTC()
  })

  test('session start, Hello, message, receipt and file piece: chat in one size, pieces in another', async () => {
    const afterHandshake = deposits.sizes().length
    assert.ok(afterHandshake >= 2, 'the invite handshake (session start, Hellos) was deposited')
    const { message } = await a.must({ type: 'messages.send', conversationId: convA, text: 'hi' })
    await waitUntil('ana sees the message delivered', async () => {
      const m = (await a.history(convA)).find((x) => x.messageId === message.messageId)
      return m?.delivery === 'delivered'
    })
    // Two whole pieces of three chunks and a last one of 1000 bytes (it alone fits 1 KiB).
    const size = 2 * 3 * 16 * 1024 + 1000
    const { file, sha256 } = await stageFile(storeA, size, 'pieces.bin')
    const { transfer } = await a.must({ type: 'transfer.offer', conversationId: convA, file })
    const id = transfer.transferId
    await waitTransferState(c, id, ['offered'])
    await c.must({ type: 'transfer.accept', transferId: id })
    const done = await waitTransferState(c, id, ['completed', 'failed'], 45_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(done.route, 'mailbox')
    assert.equal(await sha256OfFile(storeC.sinks.get(id)!.finalPath), sha256)
    await waitTransferState(a, id, ['completed'], 15_000)

    const sizes = deposits.sizes()
    assert.deepEqual(
      [...new Set(sizes)].sort((x, y) => x - y),
      [CHAT, PIECE],
      `deposit sizes seen by the relay: ${sizes.join(', ')}`,
    )
    assert.equal(
      sizes.filter((s) => s === PIECE).length,
      mailboxPieceCount(size),
      'each file piece, the short last one too, is one 64 KiB envelope; nothing else is',
    )
    // Every kind crossed the relay, and their frames differ in length before padding: a receipt
    // fits the 1 KiB bucket, a session start does not.
    const sent = [...a.sent, ...c.sent].filter((s) => s.route === 'mailbox')
    for (const kind of ['message', 'receipt', 'control'])
      assert.ok(
        sent.some((s) => s.kind === kind),
        `a ${kind} went through the mailbox`,
      )
    const receipt = sent.find((s) => s.kind === 'receipt')!
    assert.ok(receipt.frame.length < 900, `receipt frame ${receipt.frame.length} B`)
    assert.ok(
      sizes.slice(0, afterHandshake).every((s) => s === CHAT),
      'the session start and Hellos are chat-sized',
    )
  })
})
