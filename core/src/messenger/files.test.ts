// MessengerFiles (messenger/files.ts) against a contact who sends hostile controls or pulls: what
// the sending user keeps (its outbox, its transfer) whatever the contact does.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fromHex } from '../crypto/bytes.ts'
import { systemPlatform as p } from '../crypto/platform.ts'
import { lpStream, streamPair } from '@libp2p/utils'
import {
  decodeOffer,
  decodeSenderFrame,
  encodeControl,
  encodeRequest,
  requestProof,
} from '../files/codec.ts'
import { FILE_STATUS } from '../files/limits.ts'
import type { FileStorage } from '../files/ports.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import type { MessengerStore } from '../store/store.ts'
import type { ContactRecord } from '../store/records.ts'
import { KeyedMutex, type MessengerContext } from './context.ts'
import { MessengerFiles, type MessengerFilesOptions } from './files.ts'
import { decodePayload } from './payload.ts'
import { until } from '../../test-support/until.ts'

const CONTACT: ContactRecord = {
  contactId: 'ct',
  displayName: 'mallory',
  identityPublicKey: new Uint8Array(32).fill(1),
  identityKeyId: 'AQ',
  verified: false,
  blocked: false,
  keyChange: null,
  relays: [],
  inboundMailboxId: null,
  outboundMailbox: null,
  addedAt: 1,
  updatedAt: 1,
}

type Handler = (stream: unknown, connection: { remotePeer: { toString(): string } }) => void

interface Sender {
  store: MessengerStore
  files: MessengerFiles
  /** The `/hestia/file/1.0.0` handler the messenger registered. */
  handler: () => Handler
  /** Offers a staged file of `size` bytes; resolves once its offer is queued. */
  offer(size: number): Promise<string>
}

/**
 * Ben, who offers files to his contact Mallory (conversation `conv`). `known`: the inbox learnt her
 * device peerMallory (else no direct connection to her is even looked for).
 */
async function sender(opts: Partial<MessengerFilesOptions>, known: boolean): Promise<Sender> {
  const store = openMemoryStore()
  await store.transaction(async (tx) => {
    await tx.putContact(CONTACT)
    await tx.putConversation({
      conversationId: 'conv',
      contactId: 'ct',
      lastMessageId: null,
      lastActivityAt: 1,
      unreadCount: 0,
    })
  })
  let handler: Handler | undefined
  const net = {
    peerId: { toString: () => 'peerBen' },
    handle: (_protocol: string, h: Handler) => {
      handler = h
      return Promise.resolve()
    },
    unhandle: () => Promise.resolve(),
    addEventListener: () => {},
    removeEventListener: () => {},
  }
  const ctx = {
    ...{ store, net, platform: p, emit: () => {}, log: () => {} },
    locks: new KeyedMutex(),
  } as unknown as MessengerContext
  let size = 0
  const storage: FileStorage = {
    openSource: () =>
      Promise.resolve({
        size,
        read: (offset, length) =>
          Promise.resolve(new Uint8Array(Math.min(length, size - offset)).fill(offset & 0xff)),
      }),
    openSink: () => Promise.reject(new Error('not a receiver')),
  }
  const files = new MessengerFiles(
    ctx,
    { storage, ...opts },
    {
      devices: new Map(known ? [['peerMallory', 'ct']] : []),
      kickOutbox: () => {},
      relayFileCap: () => Promise.resolve(undefined),
    },
  )
  await files.start()
  const offer = async (bytes: number): Promise<string> => {
    size = bytes
    const offered = await files.offer('conv', {
      ...{ stagedFileId: `s${bytes}`, name: 'report.pdf', size: bytes },
      mimeType: 'application/pdf',
    })
    assert.ok(offered.ok)
    const id = offered.value.transfer.transferId
    await until('the offer', async () => (await files.engine.get(id))?.state === 'offered')
    return id
  }
  return { store, files, handler: () => handler!, offer }
}

/** A FileControl from Mallory's device. */
function control(files: MessengerFiles, id: string, action: 'accept' | 'pause' | 'resume') {
  const body = {
    kind: 'file_control' as const,
    control: encodeControl({ transferId: fromHex(id), action }),
  }
  return files.receive('conv', `${action}-${Math.random()}`, body, 'peerMallory')
}

async function queuedPieces(store: MessengerStore): Promise<number> {
  const rows = await store.listOutbox('conv')
  return rows.filter((row) => decodePayload(row.payload).body.kind === 'file_piece').length
}

test('review RF-8: pause / resume / accept from the contact never queues the mailbox pieces twice', async () => {
  const ben = await sender({ directWaitMs: 0 }, false)
  try {
    const id = await ben.offer(1_000_000) // 62 chunks: 21 mailbox pieces
    // Mallory accepts and never connects directly: the file goes as 21 mailbox pieces.
    await control(ben.files, id, 'accept')
    await until('21 pieces queued', async () => (await queuedPieces(ben.store)) === 21)
    for (let n = 0; n < 5; n++) {
      await control(ben.files, id, 'pause')
      assert.equal((await ben.files.engine.get(id))?.state, 'paused')
      await control(ben.files, id, 'resume')
      await control(ben.files, id, 'accept')
      await new Promise((r) => setTimeout(r, 100))
    }
    // Before the fix: 126 pieces (6 copies of the file) in Ben's durable outbox.
    assert.equal(await queuedPieces(ben.store), 21)
    // The transfer still works: Mallory's `received` completes it on Ben's side.
    await ben.files.receive(
      'conv',
      'done',
      {
        kind: 'file_control',
        control: encodeControl({ transferId: fromHex(id), action: 'received' }),
      },
      'peerMallory',
    )
    assert.equal((await ben.files.engine.get(id))?.state, 'completed')
  } finally {
    await ben.files.stop()
  }
})

/** The file key Mallory learnt from the offer in Ben's outbox. */
async function offeredKey(store: MessengerStore): Promise<Uint8Array> {
  const offerBody = (await store.listOutbox('conv'))
    .map((row) => decodePayload(row.payload).body)
    .find((b) => b.kind === 'file_offer')
  assert.ok(offerBody?.kind === 'file_offer')
  return decodeOffer(offerBody.offer).share.key
}

/**
 * Mallory's device pulls the transfer over a direct stream with a valid proof (she holds the key
 * from the offer); returns the first frame Ben answers with and the stream to read on.
 */
async function pull(ben: Sender, id: string, key: Uint8Array) {
  const [near, far] = await streamPair()
  ben.handler()(far, { remotePeer: { toString: () => 'peerMallory' } })
  const lp = lpStream(near)
  const transferId = fromHex(id)
  await lp.write(
    encodeRequest({
      transferId,
      resumeFrom: 0,
      proof: requestProof(key, transferId, 0, 'peerMallory'),
    }),
  )
  const read = async () =>
    decodeSenderFrame((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray())
  return { first: await read(), read, near }
}

test('review RF-9: a contact blocked after the offer is refused the file, and the transfer is unchanged', async () => {
  const ben = await sender({}, true)
  try {
    const id = await ben.offer(100_000)
    const key = await offeredKey(ben.store)
    await ben.store.putContact({ ...CONTACT, blocked: true })
    const { first, near } = await pull(ben, id, key)
    near.abort(new Error('test over'))
    // Before the fix: 'start', then the file.
    assert.deepEqual(first, { kind: 'stop', status: FILE_STATUS.unknown })
    assert.equal((await ben.files.engine.get(id))?.state, 'offered')
  } finally {
    await ben.files.stop()
  }
})

test('review RF-9: a deleted contact is refused the file and its transfer is not stored again', async () => {
  const ben = await sender({}, true)
  try {
    const id = await ben.offer(100_000)
    await control(ben.files, id, 'accept')
    const key = await offeredKey(ben.store)
    await ben.store.deleteContact('ct')
    assert.equal(await ben.store.getTransfer(id), undefined)
    const { first, near } = await pull(ben, id, key)
    near.abort(new Error('test over'))
    assert.deepEqual(first, { kind: 'stop', status: FILE_STATUS.unknown })
    await ben.files.stop() // flushes every pending save
    // Before the fix the engine's cached record was served and written back.
    assert.equal(await ben.store.getTransfer(id), undefined)
  } finally {
    await ben.files.stop()
  }
})

test('review RF-9: blocking a contact stops a pull in progress; the transfer shows paused, blocked', async () => {
  const ben = await sender({}, true)
  try {
    const id = await ben.offer(4_000_000)
    await control(ben.files, id, 'accept')
    const key = await offeredKey(ben.store)
    const { first, read, near } = await pull(ben, id, key)
    assert.equal(first.kind, 'start')
    await ben.store.putContact({ ...CONTACT, blocked: true })
    await ben.files.trustChanged('ct')
    const t = await ben.files.engine.get(id)
    assert.equal(t?.state, 'paused')
    assert.equal(t?.error?.code, 'contact_blocked')
    // Ben's side ends the stream: Mallory reads at most what was already in flight, then a stop.
    let frame = await read().catch(() => null)
    while (frame !== null && frame.kind !== 'stop') frame = await read().catch(() => null)
    near.abort(new Error('test over'))
    // A new pull (her "resume") is refused too.
    assert.equal((await pull(ben, id, key)).first.kind, 'stop')
  } finally {
    await ben.files.stop()
  }
})
