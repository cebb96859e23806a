// A file offered to a contact with two devices (issue 19, ADR 0766), on the engines themselves over
// in-memory streams: Ben's offer reaches Ada's two devices; the first accept binds the transfer to
// its device, which receives the file byte-identical; the other device stops and shows which of
// Ada's devices took it — also when it accepted too. Controls and pulls from the device that did
// not win change nothing at Ben's. The messenger over a relay: tests/integration/device-files.
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { streamPair } from '@libp2p/utils'
import type { FileTransfer } from '../client/api.ts'
import { fromHex } from '../crypto/bytes.ts'
import { createMemoryBacking, openMemoryStore } from '../store/memory-store.ts'
import { isProtocolError } from '../wire/errors.ts'
import { decodeControl, encodeControl } from './codec.ts'
import { FileTransferEngine } from './engine.ts'
import type { FileSink, FileStorage } from './ports.ts'

const BEN = 'peerBen'
const ADA1 = 'peerAda1'
const ADA2 = 'peerAda2'
const NAMES: Record<string, string> = { [ADA1]: 'Ada on Chromium', [ADA2]: 'Ada on Firefox' }

const engines: FileTransferEngine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()))
})

interface Device {
  peer: string
  engine: FileTransferEngine
  controls: Uint8Array[]
  offers: Uint8Array[]
  saved: Map<string, Uint8Array>
  updates: FileTransfer[]
}

function device(peer: string, file: Uint8Array, serve: (far: unknown, from: string) => void) {
  const d: Device = {
    peer,
    engine: undefined as unknown as FileTransferEngine,
    controls: [],
    offers: [],
    saved: new Map(),
    updates: [],
  }
  const storage: FileStorage = {
    openSource: () =>
      Promise.resolve({
        size: file.length,
        read: (offset, length) => Promise.resolve(file.slice(offset, offset + length)),
      }),
    openSink: (rec) => {
      const bytes = new Uint8Array(rec.size)
      let written = 0
      const sink: FileSink = {
        write: (offset, data) => {
          bytes.set(data, offset)
          written = offset + data.length
          return Promise.resolve()
        },
        storedBytes: () => Promise.resolve(written),
        read: (offset, length) => Promise.resolve(bytes.slice(offset, offset + length)),
        complete: () => {
          d.saved.set(rec.transferId, bytes.slice(0, written))
          return Promise.resolve()
        },
        discard: () => Promise.resolve(),
      }
      return Promise.resolve(sink)
    },
  }
  d.engine = new FileTransferEngine({
    store: openMemoryStore(createMemoryBacking()),
    storage,
    localPeer: peer,
    openStream: async () => {
      const [near, far] = await streamPair()
      serve(far, peer)
      return near
    },
    sendControl: (_c, control) => {
      d.controls.push(control)
      return Promise.resolve()
    },
    sendOffer: (_c, _m, offer) => {
      d.offers.push(offer)
      return Promise.resolve()
    },
    // Ben "heard last" from Ada's first device: only the accept may decide where the file goes.
    peerOf: () => (peer === BEN ? ADA1 : BEN),
    onUpdate: (t) => d.updates.push(t),
    tuning: { retryFirstMs: 20, retryMaxMs: 50, idleMs: 2_000 },
  })
  engines.push(d.engine)
  return d
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const deviceName = (id: string) => Promise.resolve(NAMES[id] ?? 'another device')

/** Ben's offer on both of Ada's devices; controls are carried by hand (the test is the channel). */
async function offeredToTwo(size = 200_000) {
  const file = new Uint8Array(size).map((_, i) => (i * 7 + (i >>> 9)) & 0xff)
  /** Devices whose pull Ben served (a pull refused before the accept arrived is retried). */
  const served: string[] = []
  const sender: { engine?: FileTransferEngine } = {}
  const serve = (far: unknown, from: string) => {
    void sender.engine!.handleStream(far as never, from).then((r) => {
      if (r.chunksSent > 0) served.push(from)
    })
  }
  const ben = device(BEN, file, serve)
  sender.engine = ben.engine
  const ada1 = device(ADA1, new Uint8Array(0), serve)
  const ada2 = device(ADA2, new Uint8Array(0), serve)
  const { transfer } = await ben.engine.offer({
    conversationId: 'c',
    messageId: 'm1',
    file: { stagedFileId: 's1', name: 'plan.pdf', size, mimeType: 'application/pdf' },
  })
  await until('the offer', () => ben.offers.length === 1)
  for (const d of [ada1, ada2])
    await d.engine.receiveOffer({
      conversationId: 'c',
      messageId: 'm1',
      offer: ben.offers[0]!,
      from: BEN,
    })
  /** Delivers `d`'s newest control to Ben (as from `d`), and Ben's answer, if any, to both. */
  const toBen = async (d: Device) => {
    const before = ben.controls.length
    const t = await ben.engine.receiveControl('c', d.controls.at(-1)!, { from: d.peer })
    if (t?.direction === 'out' && decodeControl(d.controls.at(-1)!).action === 'accept')
      await ben.engine.announceTaken(transfer.transferId)
    for (const c of ben.controls.slice(before))
      for (const x of [ada1, ada2]) await x.engine.receiveControl('c', c, { from: BEN, deviceName })
  }
  return { ben, ada1, ada2, file, id: transfer.transferId, toBen, served }
}

describe('a file offered to two devices of one contact', () => {
  test('the first accept wins: saved there, the other shows where it went', async () => {
    const { ben, ada1, ada2, file, id, toBen, served } = await offeredToTwo()
    await ada2.engine.accept(id)
    await toBen(ada2)
    const taken = decodeControl(ben.controls.at(-1)!)
    assert.deepEqual([taken.action, taken.takenBy], ['taken', ADA2])
    await until('saved on ada2', () => ada2.saved.has(id))
    assert.deepEqual(ada2.saved.get(id), file)
    assert.equal((await ada2.engine.get(id))?.state, 'completed')
    const onAda1 = await ada1.engine.get(id)
    assert.equal(onAda1?.state, 'elsewhere')
    assert.equal(onAda1?.takenBy, 'Ada on Firefox')
    assert.equal(ada1.saved.size, 0, 'nothing was saved on the device that did not accept')
    await until('the stream ended at Ben', () => served.length > 0)
    assert.deepEqual([...new Set(served)], [ADA2])
  })

  test('both accept: the later one is told it went elsewhere; its pull and cancel change nothing', async () => {
    const { ben, ada1, ada2, file, id, toBen, served } = await offeredToTwo()
    await ada1.engine.accept(id)
    await ada2.engine.accept(id)
    await toBen(ada2)
    await toBen(ada1)
    // ada1 pulled before it heard: Ben refused its stream (the transfer is bound to ada2).
    await until('saved on ada2', () => ada2.saved.has(id))
    assert.deepEqual(ada2.saved.get(id), file)
    await until('the stream ended at Ben', () => served.length > 0)
    assert.deepEqual([...new Set(served)], [ADA2], 'only the device bound to it was served')
    assert.equal((await ada1.engine.get(id))?.state, 'elsewhere')
    assert.equal(ada1.saved.size, 0)
    // A cancel from the device that did not win does not touch Ben's transfer.
    const cancel = encodeControl({ transferId: fromHex(id), action: 'cancel' })
    await ben.engine.receiveControl('c', cancel, { from: ADA1 })
    assert.equal((await ben.engine.get(id))?.state, 'completed')
  })

  test('a taken naming this device changes nothing; one from another peer is ignored', async () => {
    const { ada1, ada2, id } = await offeredToTwo()
    const namingAda2 = encodeControl({ transferId: fromHex(id), action: 'taken', takenBy: ADA2 })
    await ada2.engine.receiveControl('c', namingAda2, { from: BEN, deviceName })
    assert.equal((await ada2.engine.get(id))?.state, 'offered')
    // Not from the device that offered it (a contact's other device, or anyone else): ignored.
    await ada1.engine.receiveControl('c', namingAda2, { from: 'peerMallory', deviceName })
    assert.equal((await ada1.engine.get(id))?.state, 'offered')
  })

  test('taken_by: only on `taken`, and only a device id', () => {
    const transferId = new Uint8Array(16).fill(3)
    const malformed = (bytes: Uint8Array) =>
      assert.throws(
        () => decodeControl(bytes),
        (e: unknown) => isProtocolError(e) && e.code === 'malformed',
      )
    malformed(encodeControl({ transferId, action: 'taken' }))
    malformed(encodeControl({ transferId, action: 'taken', takenBy: 'not a peer id!' }))
    malformed(encodeControl({ transferId, action: 'taken', takenBy: '1'.repeat(129) }))
    // An accept carrying taken_by: the encoder drops it, so forge the field by re-encoding.
    const forged = encodeControl({ transferId, action: 'taken', takenBy: ADA1 })
    forged[forged.indexOf(7, 18)] = 1 // action 7 (taken) -> 1 (accept)
    malformed(forged)
    assert.deepEqual(decodeControl(encodeControl({ transferId, action: 'taken', takenBy: ADA1 })), {
      transferId,
      action: 'taken',
      takenBy: ADA1,
    })
  })
})
