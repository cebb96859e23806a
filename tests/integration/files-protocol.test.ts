/**
 * `/hestia/file/1.0.0` against a misbehaving peer (malformed, oversize and unauthorised requests,
 * each refused with a typed error and a status frame) and the mailbox fallback (route decision,
 * pieces that fit a sealed envelope, any order, tampering), between two Node devices over libp2p
 * WebRTC through an in-process relay.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { MAX_SEALED_BYTES } from '@hestia/core/wire/caps.ts'
import {
  decodeSenderFrame,
  encodeRequest,
  FILE_LIMITS,
  FILE_PROTOCOL,
  FILE_STATUS,
  mailboxPieceCount,
  requestProof,
  type SenderFrameFields,
} from '@hestia/core/files/index.ts'
import { decodeFileShare } from '@hestia/core/crypto/index.ts'
import { fromHex } from '@hestia/core/crypto/bytes.ts'
import {
  CONVERSATION,
  directConnectionTo,
  offerFile,
  startDevicePair,
  waitForState,
  waitUntil,
  type DevicePair,
} from './support/files-net.ts'
import { sha256OfFile } from './support/files-storage.ts'

const MiB = 1024 * 1024

describe('file protocol: hostile requests and the mailbox fallback', { timeout: 120_000 }, () => {
  let pair: DevicePair
  before(async () => {
    pair = await startDevicePair()
  })
  after(async () => {
    await pair.stop()
  })

  /** B opens a file stream to A, writes `bytes` as they are, returns A's first frame and A's result. */
  async function rawExchange(bytes: Uint8Array) {
    const before = pair.a.served.length
    const conn = await directConnectionTo(pair.b.node, pair.relayAddr, pair.a.node.peerId)
    const stream = await conn.newStream(FILE_PROTOCOL)
    stream.send(bytes)
    const lp = lpStream(stream, { maxDataLength: FILE_LIMITS.senderFrameBytes })
    const reply: SenderFrameFields = decodeSenderFrame(
      (await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray(),
    )
    await waitUntil(() => pair.a.served.length > before, 10_000, 'the sender to finish the stream')
    await stream.close().catch(() => undefined)
    return { reply, result: pair.a.served[pair.a.served.length - 1]! }
  }

  function lengthPrefixed(frame: Uint8Array): Uint8Array {
    const out: number[] = []
    let n = frame.length
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    out.push(n)
    return new Uint8Array([...out, ...frame])
  }

  test('an oversize request frame is refused as oversize before it is read', async () => {
    const { reply, result } = await rawExchange(lengthPrefixed(new Uint8Array(4096)))
    assert.deepEqual(reply, { kind: 'stop', status: FILE_STATUS.malformed })
    assert.equal(result.outcome, 'rejected_request')
    assert.equal(result.error?.name, 'ProtocolError')
    assert.equal((result.error as { code?: string }).code, 'oversize')
    assert.equal(result.chunksSent, 0)
  })

  test('a garbage request frame is refused as malformed', async () => {
    const garbage = new Uint8Array(60).fill(0xff)
    const { reply, result } = await rawExchange(lengthPrefixed(garbage))
    assert.deepEqual(reply, { kind: 'stop', status: FILE_STATUS.malformed })
    assert.equal((result.error as { code?: string }).code, 'malformed')
  })

  test('a request of another protocol version is refused as unsupported_version', async () => {
    const { FileRequest } = await import('@hestia/core/files/files.pb.js')
    const frame = FileRequest.encode({
      version: 2,
      transferId: new Uint8Array(16),
      resumeFrom: 0n,
      proof: new Uint8Array(32),
    })
    const { result } = await rawExchange(lengthPrefixed(frame))
    assert.equal((result.error as { code?: string }).code, 'unsupported_version')
  })

  test('requests without the file key, for another device, or for an unknown file are refused', async () => {
    const f = await offerFile(pair, 64 * 1024, 'proofs')
    const id = fromHex(f.transferId)
    const share = decodeFileShare((await pair.b.store.getTransfer(f.transferId))!.shareRecord!)
    const bPeer = pair.b.node.peerId.toString()
    const cases = [
      {
        what: 'random proof',
        proof: new Uint8Array(32).fill(7),
        transferId: id,
        status: FILE_STATUS.forbidden,
      },
      {
        what: 'proof made for another PeerId',
        proof: requestProof(share.key, id, 0, pair.a.node.peerId.toString()),
        transferId: id,
        status: FILE_STATUS.forbidden,
      },
      {
        what: 'proof for another resume index',
        proof: requestProof(share.key, id, 5, bPeer),
        transferId: id,
        status: FILE_STATUS.forbidden,
      },
      {
        what: 'unknown transfer',
        proof: requestProof(share.key, new Uint8Array(16), 0, bPeer),
        transferId: new Uint8Array(16),
        status: FILE_STATUS.unknown,
      },
    ]
    for (const c of cases) {
      const frame = encodeRequest({ transferId: c.transferId, resumeFrom: 0, proof: c.proof })
      const { reply, result } = await rawExchange(lengthPrefixed(frame))
      assert.deepEqual(reply, { kind: 'stop', status: c.status }, c.what)
      assert.equal(result.outcome, 'refused', c.what)
      assert.equal(result.chunksSent, 0, c.what)
      // A refused request leaves the sender's transfer as it was.
      assert.equal((await pair.a.engine.get(f.transferId))?.state, 'offered', c.what)
    }
    // The genuine proof gets the file's header.
    const good = encodeRequest({
      transferId: id,
      resumeFrom: 0,
      proof: requestProof(share.key, id, 0, bPeer),
    })
    const conn = await directConnectionTo(pair.b.node, pair.relayAddr, pair.a.node.peerId)
    const stream = await conn.newStream(FILE_PROTOCOL)
    stream.send(lengthPrefixed(good))
    const lp = lpStream(stream, { maxDataLength: FILE_LIMITS.senderFrameBytes })
    const first = decodeSenderFrame(
      (await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray(),
    )
    assert.equal(first.kind, 'start')
    stream.abort(new Error('test done'))
    await pair.a.engine.cancel(f.transferId)
  })

  test('no direct route: a file under the cap goes as mailbox pieces, in any order, byte-identical', async () => {
    const size = 5 * MiB + 3
    const f = await offerFile(pair, size, 'mailbox')
    await pair.b.engine.accept(f.transferId)
    await pair.b.engine.pause(f.transferId) // keep the direct pull out of this test
    const plan = await pair.a.engine.planRoute(f.transferId, { direct: false })
    assert.deepEqual(plan, { route: 'mailbox', pieces: mailboxPieceCount(size) })
    const pieces: Uint8Array[] = []
    for await (const p of pair.a.engine.mailboxPieces(f.transferId)) pieces.push(p)
    assert.equal(pieces.length, mailboxPieceCount(size))
    for (const p of pieces) {
      assert.ok(p.length <= FILE_LIMITS.mailboxPieceBytes && p.length < MAX_SEALED_BYTES - 1024)
    }
    // The mailbox delivers in any order; duplicates happen.
    const order = pieces.map((_, i) => i).sort((x, y) => ((x * 7919) % 31) - ((y * 7919) % 31))
    for (const i of [...order, 0, 3])
      await pair.b.engine.receiveMailboxPiece(CONVERSATION, pieces[i]!)
    const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 10_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(done.route, 'mailbox')
    assert.equal(
      await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
      f.sourceSha256,
    )
    await waitForState(pair.a, f.transferId, ['completed'], 5_000)
  })

  test('a receiver restart in the middle of a mailbox delivery falls back to pulling the whole file', async () => {
    const size = 1 * MiB + 17
    const f = await offerFile(pair, size, 'mailbox-restart')
    await pair.b.engine.accept(f.transferId)
    await pair.b.engine.pause(f.transferId)
    const pieces: Uint8Array[] = []
    for await (const p of pair.a.engine.mailboxPieces(f.transferId)) pieces.push(p)
    // Pieces from the middle arrive, then the device restarts.
    for (const p of pieces.slice(5, 9)) await pair.b.engine.receiveMailboxPiece(CONVERSATION, p)
    assert.equal((await pair.b.engine.get(f.transferId))?.route, 'mailbox')
    await pair.b.restartEngine()
    const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 30_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(
      await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
      f.sourceSha256,
    )
  })

  test('a tampered mailbox piece fails the transfer', async () => {
    const f = await offerFile(pair, 200 * 1024, 'mailbox-tamper')
    await pair.b.engine.accept(f.transferId)
    await pair.b.engine.pause(f.transferId)
    const pieces: Uint8Array[] = []
    for await (const p of pair.a.engine.mailboxPieces(f.transferId)) pieces.push(p)
    const bad = pieces[1]!.slice()
    bad[bad.length - 5]! ^= 0x40
    await pair.b.engine.receiveMailboxPiece(CONVERSATION, pieces[0]!)
    const t = await pair.b.engine.receiveMailboxPiece(CONVERSATION, bad)
    assert.equal(t?.state, 'failed')
    assert.match(t?.error?.message ?? '', /integrity/)
  })

  test('too large for the mailbox and no direct route: it waits, saying why', async () => {
    const size = 17 * MiB
    const f = await offerFile(pair, size, 'too-large')
    const plan = await pair.a.engine.planRoute(f.transferId, { direct: false })
    assert.equal(plan.route, 'wait')
    const t = (await pair.a.engine.get(f.transferId))!
    assert.equal(t.state, 'waiting')
    assert.equal(t.error?.code, 'too_large')
    // A relay that allows more changes the decision.
    const bigger = await pair.a.engine.planRoute(f.transferId, {
      direct: false,
      mailboxCapBytes: 32 * MiB,
    })
    assert.equal(bigger.route, 'mailbox')
    await pair.a.engine.cancel(f.transferId)
  })
})
