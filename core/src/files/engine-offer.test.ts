// Offering a file: the transfer shows at once as `preparing` while the engine encrypts the file
// once (for its ciphertext SHA-256); the offer goes out only after. A restart in between prepares
// again; a cancel stops it without telling the contact about a file it never saw.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { FileTransfer } from '../client/api.ts'
import { createMemoryBacking, openMemoryStore } from '../store/memory-store.ts'
import type { FileTransferRecord } from '../store/records.ts'
import { decodeOffer } from './codec.ts'
import { FileTransferEngine } from './engine.ts'
import type { FileSource, FileStorage } from './ports.ts'

const SIZE = 300_000

/** A staged file whose reads wait until `release()` (a slow disk, or a big file). */
function gatedStorage(bytes: Uint8Array) {
  let open = (): void => {}
  let gate = new Promise<void>((resolve) => (open = resolve))
  const storage: FileStorage & { gone: boolean; release(): void; hold(): void } = {
    gone: false,
    release: () => open(),
    hold: () => {
      gate = new Promise<void>((resolve) => (open = resolve))
    },
    openSource: (): Promise<FileSource> =>
      Promise.resolve({
        size: bytes.length,
        read: async (offset, length) => {
          await gate
          if (storage.gone) throw new Error('NotReadableError: the staged file is gone')
          return bytes.slice(offset, offset + length)
        },
      }),
    openSink: () => Promise.reject(new Error('not a receiver')),
  }
  return storage
}

function engineWith(backing = createMemoryBacking(), storage = gatedStorage(new Uint8Array(SIZE))) {
  const offers: { messageId: string; offer: Uint8Array }[] = []
  const controls: Uint8Array[] = []
  const updates: FileTransfer[] = []
  const engine = new FileTransferEngine({
    store: openMemoryStore(backing),
    storage,
    localPeer: 'me',
    openStream: () => Promise.reject(new Error('no network in this test')),
    sendControl: (_c, control) => {
      controls.push(control)
      return Promise.resolve()
    },
    sendOffer: (_c, messageId, offer) => {
      offers.push({ messageId, offer })
      return Promise.resolve()
    },
    peerOf: () => 'contact',
    onUpdate: (t) => updates.push(t),
  })
  return { engine, offers, controls, updates, storage, backing }
}

const file = {
  stagedFileId: 's1',
  name: 'big.iso',
  size: SIZE,
  mimeType: 'application/x-iso9660-image',
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('offering a file', () => {
  test('the transfer is `preparing` at once; the offer goes out when the file is encrypted', async () => {
    const { engine, offers, storage } = engineWith()
    const { transfer } = await engine.offer({ conversationId: 'c', messageId: 'm1', file })
    assert.equal(transfer.state, 'preparing')
    assert.equal(offers.length, 0, 'nothing is offered before the checksum is known')
    storage.release()
    await until('the offer', () => offers.length === 1)
    const offer = decodeOffer(offers[0]!.offer)
    assert.equal(offers[0]!.messageId, 'm1')
    assert.equal(offer.name, 'big.iso')
    assert.equal(offer.size, SIZE)
    assert.equal((await engine.get(transfer.transferId))?.state, 'offered')
    await engine.stop()
  })

  test('cancel while preparing: cancelled, no offer and no control message to the contact', async () => {
    const { engine, offers, controls, storage } = engineWith()
    const { transfer } = await engine.offer({ conversationId: 'c', messageId: 'm2', file })
    const cancelled = await engine.cancel(transfer.transferId)
    assert.equal(cancelled.state, 'cancelled')
    storage.release()
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(offers.length, 0)
    assert.equal(controls.length, 0)
    assert.equal((await engine.get(transfer.transferId))?.state, 'cancelled')
    await engine.stop()
  })

  test('a restart during preparation prepares again and then offers', async () => {
    const backing = createMemoryBacking()
    const first = engineWith(backing)
    const { transfer } = await first.engine.offer({ conversationId: 'c', messageId: 'm3', file })
    await first.engine.stop()
    first.storage.release()
    const stored: FileTransferRecord | undefined = await openMemoryStore(backing).getTransfer(
      transfer.transferId,
    )
    assert.equal(stored?.state, 'preparing', 'the stored record says it was not offered yet')
    const second = engineWith(backing)
    second.storage.release()
    await second.engine.restore()
    await until('the offer after the restart', () => second.offers.length === 1)
    assert.equal(second.offers[0]!.messageId, 'm3')
    assert.equal(first.offers.length, 0)
    await second.engine.stop()
  })

  test('a staged file that cannot be read any more fails the transfer with source_gone', async () => {
    const { engine, offers, storage } = engineWith()
    const { transfer } = await engine.offer({ conversationId: 'c', messageId: 'm4', file })
    storage.gone = true
    storage.release()
    await until(
      'the failure',
      async () => (await engine.get(transfer.transferId))?.state === 'failed',
    )
    const failed = await engine.get(transfer.transferId)
    assert.equal(failed?.error?.code, 'not_found')
    assert.match(failed?.error?.message ?? '', /source_gone/)
    assert.equal(offers.length, 0)
    await engine.stop()
  })
})
