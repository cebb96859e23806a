// Inbound `/hestia/file/1.0.0` streams are open to anyone who learnt this device's PeerId (an
// invite carries it, review RF-5). Silent streams from strangers, or many from one peer, must not
// take the places a contact's pull needs: a silent stream is reset after FILE_TIMING.requestMs,
// one peer holds at most FILE_LIMITS.maxInboundStreamsPerPeer streams, and a serving slot is
// taken only for the device the file was offered to. Ben sends, Ada receives, over in-memory
// stream pairs (as engine-devices.test.ts); controls carried by hand.
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import { createMemoryBacking, openMemoryStore } from '../store/memory-store.ts'
import { decodeSenderFrame, encodeRequest } from './codec.ts'
import { FileTransferEngine } from './engine.ts'
import { FILE_LIMITS, FILE_STATUS, FILE_TIMING } from './limits.ts'
import type { FileSink, FileStorage } from './ports.ts'
import type { ServeResult } from './sender.ts'
import { until } from '../../test-support/until.ts'

const BEN = 'peerBen'
const ADA = 'peerAda'
/** The first-frame deadline in these tests (the product's is FILE_TIMING.requestMs). */
const REQUEST_MS = 300

const engines: FileTransferEngine[] = []
const cleanups: (() => void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) c()
  await Promise.all(engines.splice(0).map((e) => e.stop()))
})

const fileOf = (size: number) => new Uint8Array(size).map((_, i) => (i * 13 + (i >>> 8)) & 0xff)

interface Side {
  engine: FileTransferEngine
  controls: Uint8Array[]
  offers: Uint8Array[]
  saved: Map<string, Uint8Array>
  written: { bytes: number }
}

function side(peer: string, file: Uint8Array, openStream: (p: string) => Promise<Stream>): Side {
  const s: Side = {
    engine: undefined as never,
    controls: [],
    offers: [],
    saved: new Map(),
    written: { bytes: 0 },
  }
  const storage: FileStorage = {
    openSource: () =>
      Promise.resolve({
        size: file.length,
        read: (offset, length) => Promise.resolve(file.slice(offset, offset + length)),
      }),
    openSink: (rec) => {
      const bytes = new Uint8Array(rec.size)
      let stored = 0
      const sink: FileSink = {
        write: (offset, data) => {
          bytes.set(data, offset)
          stored = Math.max(stored, offset + data.length)
          s.written.bytes += data.length
          return Promise.resolve()
        },
        storedBytes: () => Promise.resolve(stored),
        read: (offset, length) => Promise.resolve(bytes.slice(offset, offset + length)),
        complete: () => {
          s.saved.set(rec.transferId, bytes.slice())
          return Promise.resolve()
        },
        discard: () => Promise.resolve(),
      }
      return Promise.resolve(sink)
    },
  }
  s.engine = new FileTransferEngine({
    store: openMemoryStore(createMemoryBacking()),
    storage,
    localPeer: peer,
    openStream,
    sendControl: (_c, control) => {
      s.controls.push(control)
      return Promise.resolve()
    },
    sendOffer: (_c, _m, offer) => {
      s.offers.push(offer)
      return Promise.resolve()
    },
    peerOf: () => (peer === BEN ? ADA : BEN),
    tuning: { retryFirstMs: 20, retryMaxMs: 100, idleMs: 30_000, requestMs: REQUEST_MS },
  })
  engines.push(s.engine)
  return s
}

/**
 * `peers` strangers each keep `perPeer` silent streams open to Ben, opening a new one as soon
 * as one ends, until the test is over. Returns how each of their streams ended on Ben's side.
 */
function silentFlood(ben: Side, peers: number, perPeer: number) {
  const results: ServeResult[] = []
  /** How the strangers' own ends of their streams ended (a reset shows as 'reset'). */
  const ends: string[] = []
  let over = false
  cleanups.push(() => {
    over = true
  })
  const keepOpen = async (peer: string): Promise<void> => {
    while (!over) {
      const [near, far] = await streamPair()
      cleanups.push(() => near.abort(new Error('test over')))
      results.push(await ben.engine.handleStream(far, peer))
      await until('the reset to reach the stranger', () => near.status !== 'open', 1_000)
      ends.push(near.status)
    }
  }
  for (let p = 0; p < peers; p++) {
    for (let i = 0; i < perPeer; i++) void keepOpen(`peerStranger${p}`)
  }
  return { results, ends }
}

describe('inbound file streams: strangers cannot starve a contact (review RF-5)', () => {
  test('the limits: a request within seconds, two streams per peer, fewer than the serving slots', () => {
    assert.ok(FILE_TIMING.requestMs <= 5_000)
    assert.ok(FILE_LIMITS.maxInboundStreamsPerPeer * 2 <= FILE_LIMITS.maxInboundStreams)
  })

  test('silent streams from many strangers, reopened again and again: the contact’s pull still completes, nothing of theirs is served or written', async () => {
    const size = 50_000
    const file = fileOf(size)
    const holder: { ben?: Side } = {}
    const ben = side(BEN, file, () => Promise.reject(new Error('no direct connection')))
    holder.ben = ben
    const ada = side(ADA, new Uint8Array(0), async () => {
      const [near, far] = await streamPair()
      void holder.ben!.engine.handleStream(far, ADA)
      return near
    })
    // Five strangers, each trying to keep three silent streams open: more than all 8 slots.
    const flood = silentFlood(ben, 5, 3)
    const { transfer } = await ben.engine.offer({
      conversationId: 'c',
      messageId: 'm1',
      file: { stagedFileId: 's1', name: 'photo.jpg', size, mimeType: 'image/jpeg' },
    })
    await until('the offer', () => ben.offers.length === 1)
    const id = transfer.transferId
    await ada.engine.receiveOffer({ conversationId: 'c', messageId: 'm1', offer: ben.offers[0]! })
    await ada.engine.accept(id)
    for (const c of ada.controls.splice(0)) await ben.engine.receiveControl('c', c, { from: ADA })

    // Ada sees her file, whole, while the strangers keep reopening their streams.
    await until('the file to arrive', () => ada.saved.has(id), 3_000)
    assert.deepEqual(ada.saved.get(id), file)
    assert.equal((await ada.engine.get(id))?.state, 'completed')
    await until(
      'Ben to show it sent',
      async () => (await ben.engine.get(id))?.state === 'completed',
    )

    // Every stranger stream was reset after the request deadline (or refused busy over the
    // per-peer cap): none was served a byte, and Ben's transfer is Ada's alone.
    await until('silent streams to be reset', () => flood.ends.length >= 10)
    assert.deepEqual(new Set(flood.ends), new Set(['reset']))
    for (const r of flood.results) {
      assert.equal(r.chunksSent, 0)
      assert.equal(r.bytesSent, 0)
      assert.equal(r.transferIdHex, undefined)
      assert.equal(r.outcome, 'rejected_request')
      assert.equal(r.error?.name, 'TimeoutError')
    }
    assert.equal(ben.written.bytes, 0, 'the sender wrote nothing')
  })

  test('one peer holding its two streams: its third is answered busy at once, and served again once one was reset', async () => {
    const ben = side(BEN, fileOf(1_000), () => Promise.reject(new Error('offline')))
    const held = [0, 1].map(async () => {
      const [near, far] = await streamPair()
      cleanups.push(() => near.abort(new Error('test over')))
      return ben.engine.handleStream(far, 'peerStranger')
    })
    const ask = async () => {
      const [near, far] = await streamPair()
      cleanups.push(() => near.abort(new Error('test over')))
      const result = ben.engine.handleStream(far, 'peerStranger')
      const lp = lpStream(near)
      const request = { transferId: new Uint8Array(16), resumeFrom: 0, proof: new Uint8Array(32) }
      await lp.write(encodeRequest(request))
      const reply = decodeSenderFrame(
        (await lp.read({ signal: AbortSignal.timeout(2_000) })).subarray(),
      )
      return { reply, result: await result }
    }
    const third = await ask()
    assert.deepEqual(third.reply, { kind: 'stop', status: FILE_STATUS.busy })
    assert.equal(third.result.chunksSent, 0)
    // The two silent streams are reset after the request deadline and free the peer's places:
    // the same request is now looked up (no such transfer here), not turned away as busy.
    for (const r of await Promise.all(held)) assert.equal(r.error?.name, 'TimeoutError')
    const later = await ask()
    assert.deepEqual(later.reply, { kind: 'stop', status: FILE_STATUS.unknown })
  })
})
