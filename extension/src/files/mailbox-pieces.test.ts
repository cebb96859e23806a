// The mailbox route on the browser's storage: the real FileTransferEngine receiving
// FileMailboxPieces into BrowserFileStorage (ChunkSink rows on fake IndexedDB), plain and sealed
// at rest. docs/protocol/files.md §Fallback: the receiver "accepts pieces in any order and
// duplicates" (a relay that reorders, a frame kept for a retry and processed after later ones).
// What the user sees: the transfer completes and the saved file is byte-identical, whatever the
// order; every chunk goes to IndexedDB as it arrives (nothing of the file waits in memory).
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { FileTransferEngine } from '@hestia/core/files/engine.ts'
import type { FileStorage } from '@hestia/core/files/ports.ts'
import { decodeMailboxPiece } from '@hestia/core/files/codec.ts'
import { splitPieceChunks } from '@hestia/core/files/fallback.ts'
import { createMemoryBacking, openMemoryStore } from '@hestia/core/store/memory-store.ts'
import { BrowserFileStorage } from './browser-file-storage.ts'
import { chunkRows, FilesDatabase } from './files-db.ts'
import { filePieceCipher } from './sealed-pieces.ts'

const SIZE = 200_000 // 13 chunks in 5 pieces

const engines: FileTransferEngine[] = []
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()))
})

function engine(peer: string, storage: FileStorage, offers: Uint8Array[]): FileTransferEngine {
  const e = new FileTransferEngine({
    store: openMemoryStore(createMemoryBacking()),
    storage,
    localPeer: peer,
    openStream: () => Promise.reject(new Error('no direct connection')),
    sendControl: () => Promise.resolve(),
    sendOffer: (_c, _m, offer) => {
      offers.push(offer)
      return Promise.resolve()
    },
    peerOf: () => (peer === 'ben' ? 'ada' : 'ben'),
    tuning: { retryFirstMs: 60_000, retryMaxMs: 60_000 },
  })
  engines.push(e)
  return e
}

/** Ben's file as mailbox pieces, and Ada (browser storage) holding the accepted offer. */
async function mailboxTransfer(sealed: boolean) {
  const file = new Uint8Array(SIZE).map((_, i) => (i * 31 + (i >>> 7)) & 0xff)
  const offers: Uint8Array[] = []
  const ben = engine(
    'ben',
    {
      openSource: () =>
        Promise.resolve({
          size: SIZE,
          read: (offset: number, length: number) =>
            Promise.resolve(file.slice(offset, offset + length)),
        }),
      openSink: () => Promise.reject(new Error('not a receiver')),
    },
    offers,
  )
  const saved: Uint8Array[] = []
  const db = new FilesDatabase({ name: 'mailbox', indexedDB: new IDBFactory(), IDBKeyRange })
  const options = sealed ? { cipher: await filePieceCipher(new Uint8Array(32).fill(7)) } : {}
  const storage = new BrowserFileStorage(
    db,
    async (blob) => {
      saved.push(new Uint8Array(await blob.arrayBuffer()))
    },
    options,
  )
  const ada = engine('ada', storage, [])
  const { transfer } = await ben.offer({
    conversationId: 'c',
    messageId: 'm1',
    file: { stagedFileId: 's1', name: 'photo.jpg', size: SIZE, mimeType: 'image/jpeg' },
  })
  for (let i = 0; i < 500 && offers.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  await ada.receiveOffer({ conversationId: 'c', messageId: 'm1', offer: offers[0]!, from: 'ben' })
  const id = transfer.transferId
  await ada.accept(id)
  await ada.pause(id) // no direct pull: only the mailbox pieces deliver the file
  assert.equal((await ben.planRoute(id, { direct: false })).route, 'mailbox')
  const pieces: Uint8Array[] = []
  for await (const p of ben.mailboxPieces(id)) pieces.push(p)
  assert.equal(pieces.length, 5)
  return { ada, db, file, id, pieces, saved }
}

/** The file's plaintext bytes a piece carries (each chunk's ciphertext less its 16-byte tag). */
function plainBytesOf(piece: Uint8Array): number {
  const p = decodeMailboxPiece(piece)
  return splitPieceChunks(SIZE, p.firstChunk, p.data).reduce(
    (sum, ch) => sum + ch.ciphertext.length - 16,
    0,
  )
}

describe('mailbox pieces on the browser storage', () => {
  const orders = [
    [0, 1, 2, 3, 4], // in order
    [0, 2, 1, 3, 4], // one piece overtaken (RF-1 in review rf: the file failed at the end)
    [4, 3, 2, 1, 0], // reversed
    [1, 3, 3, 0, 1, 2, 4], // frames delivered twice, kept for a retry and processed late
  ]
  for (const sealed of [false, true])
    for (const order of orders)
      test(`pieces ${order.join(',')}${sealed ? ', sealed at rest' : ''}: completed, the file saved byte-identical`, async () => {
        const { ada, db, file, id, pieces, saved } = await mailboxTransfer(sealed)
        let last
        for (const [n, i] of order.entries()) {
          last = await ada.receiveMailboxPiece('c', pieces[i]!)
          if (n === order.length - 2) {
            // Before the last piece: every chunk that came is in IndexedDB, not held in memory,
            // and none was dropped by a later one.
            assert.equal(last?.state, 'transferring')
            const rows = await chunkRows(db, id).toArray()
            const stored = rows.reduce((sum, r) => sum + r.length, 0)
            assert.equal(stored, SIZE - plainBytesOf(pieces[order.at(-1)!]!))
          }
        }
        assert.equal(last?.state, 'completed', `${last?.state}: ${JSON.stringify(last?.error)}`)
        assert.equal(saved.length, 1, 'saved once')
        assert.deepEqual(saved[0], file)
        assert.equal(await chunkRows(db, id).count(), 0, 'the rows went with the save')
      })
})
