import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { encodeFileShare } from '../crypto/codecs.ts'
import { COBBLESTONE_256, decryptFile, FileEncryptor } from '../crypto/file-encryption.ts'
import { concatBytes } from '../crypto/bytes.ts'
import { isProtocolError } from '../wire/errors.ts'
import {
  decodeControl,
  decodeMailboxPiece,
  decodeOffer,
  decodeReceiverFrame,
  decodeRequest,
  decodeSenderFrame,
  encodeControl,
  encodeOffer,
  encodeReceiverFrame,
  encodeRequest,
  encodeSenderFrame,
  requestProof,
} from './codec.ts'
import { FileTransferError, isQuotaError, toClientError } from './errors.ts'
import { mailboxCap, mailboxPieceCount, planRoute } from './fallback.ts'
import { FILE_LIMITS } from './limits.ts'
import { RateMeter, progressOf } from './progress.ts'
import {
  ChunkSealer,
  chunkCount,
  deriveFileSalt,
  fileContext,
  fileHeader,
  forEachSealedChunk,
  prepareOutgoingFile,
} from './sealer.ts'

const C = COBBLESTONE_256
let seed = 1
const random = (n: number) => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
  return out
}
const memSource = (bytes: Uint8Array) => ({
  size: bytes.length,
  read: (o: number, l: number) => Promise.resolve(bytes.slice(o, o + l)),
})

function code(err: unknown): string {
  assert.ok(isProtocolError(err), `expected a ProtocolError, got ${String(err)}`)
  return err.code
}

describe('random-access sealing matches the streaming Cobblestone-256 format', () => {
  for (const size of [
    0,
    1,
    C.chunkBytes - 1,
    C.chunkBytes,
    3 * C.chunkBytes + 5,
    40 * C.chunkBytes,
  ]) {
    test(`${size} bytes: header + sealed chunks == FileEncryptor output, and it decrypts`, async () => {
      const plain = random(size)
      const transferId = random(16)
      const prepared = await prepareOutgoingFile(memSource(plain), { transferId, random })
      const { share } = prepared
      const enc = await FileEncryptor.create({
        key: share.key,
        salt: deriveFileSalt(share.key, transferId),
        context: fileContext(transferId),
        random,
        hashCiphertext: true,
      })
      const expected = concatBytes(...(await enc.push(plain)), ...(await enc.finish()).pieces)
      const sealer = await ChunkSealer.open(share.key, fileHeader(share), transferId)
      const parts: Uint8Array[] = [sealer.header]
      await forEachSealedChunk(sealer, memSource(plain), 0, (_i, ct) => {
        parts.push(ct)
        return Promise.resolve()
      })
      const ours = concatBytes(...parts)
      assert.deepEqual(ours, expected)
      assert.equal(parts.length - 1, chunkCount(size))
      assert.deepEqual(
        await decryptFile(share.key, ours, { context: fileContext(transferId) }),
        plain,
      )
      // The share record's hash is the SHA-256 of exactly these bytes.
      const { sha256 } = await import('../crypto/primitives.ts')
      assert.deepEqual(share.ciphertextSha256, sha256(ours))
    })
  }

  test('a resume from chunk k yields the same chunks as the full stream', async () => {
    const plain = random(10 * C.chunkBytes + 7)
    const transferId = random(16)
    const { share } = await prepareOutgoingFile(memSource(plain), { transferId, random })
    const sealer = await ChunkSealer.open(share.key, fileHeader(share), transferId)
    const all: Uint8Array[] = []
    await forEachSealedChunk(
      sealer,
      memSource(plain),
      0,
      (_i, ct) => (all.push(ct), Promise.resolve()),
    )
    const tail: [number, Uint8Array][] = []
    await forEachSealedChunk(
      sealer,
      memSource(plain),
      7,
      (i, ct) => (tail.push([i, ct]), Promise.resolve()),
    )
    assert.deepEqual(
      tail.map(([i]) => i),
      [7, 8, 9, 10],
    )
    for (const [i, ct] of tail) assert.deepEqual(ct, all[i])
  })
})

describe('offer and control codecs', () => {
  const share = {
    fileId: new Uint8Array(16).fill(1),
    key: new Uint8Array(32).fill(2),
    size: 1000,
    ciphertextSha256: new Uint8Array(32).fill(3),
  }
  const offer = {
    transferId: share.fileId,
    name: 'holiday.jpg',
    size: 1000,
    mimeType: 'image/jpeg',
    shareRecord: encodeFileShare(share),
  }

  test('an offer round-trips and carries its share record', () => {
    const d = decodeOffer(encodeOffer(offer))
    assert.equal(d.name, 'holiday.jpg')
    assert.equal(d.size, 1000)
    assert.deepEqual(d.share.key, share.key)
  })

  test('offers a UI must not show are refused with typed errors', () => {
    const cases: [string, object, string][] = [
      ['size differs from the share record', { size: 999 }, 'malformed'],
      ['id differs from the share record', { transferId: new Uint8Array(16) }, 'malformed'],
      ['empty name', { name: '' }, 'malformed'],
      ['bidi override in the name', { name: 'gpj.\u202eexe' }, 'malformed'],
      ['newline in the name', { name: 'a\nb' }, 'malformed'],
      ['name above 255 characters', { name: 'x'.repeat(256) }, 'limit_exceeded'],
      ['short id', { transferId: new Uint8Array(15) }, 'malformed'],
    ]
    for (const [what, patch, expected] of cases) {
      assert.throws(
        () => decodeOffer(encodeOffer({ ...offer, ...patch })),
        (e) => code(e) === expected,
        what,
      )
    }
    assert.throws(
      () => decodeOffer(new Uint8Array(FILE_LIMITS.offerBytes + 1)),
      (e) => code(e) === 'oversize',
    )
    const bytes = encodeOffer(offer)
    assert.throws(
      () => decodeOffer(concatBytes(bytes, Uint8Array.of(0x08, 0x01))),
      (e) => code(e) === 'malformed',
    )
  })

  test('offers: other format characters are removed from the name, odd MIME types dropped', () => {
    const d = decodeOffer(
      encodeOffer({ ...offer, name: 'pho\u200bto\u00ad.jpg', mimeType: 'text/html; x=1' }),
    )
    assert.equal(d.name, 'photo.jpg')
    assert.equal(d.mimeType, '')
    // 255 UTF-16 code units is the cap the client API checks too (128 emoji are 256 units).
    assert.throws(
      () => decodeOffer(encodeOffer({ ...offer, name: '😀'.repeat(128) })),
      (e) => code(e) === 'limit_exceeded',
    )
    assert.equal(decodeOffer(encodeOffer({ ...offer, name: 'x'.repeat(255) })).name.length, 255)
  })

  test('controls round-trip; unknown actions are malformed', () => {
    for (const action of ['accept', 'decline', 'cancel', 'pause', 'resume', 'received'] as const) {
      assert.equal(
        decodeControl(encodeControl({ transferId: share.fileId, action })).action,
        action,
      )
    }
    const bad = encodeControl({ transferId: share.fileId, action: 'accept' })
    bad[bad.length - 1] = 99
    assert.throws(
      () => decodeControl(bad),
      (e) => code(e) === 'malformed',
    )
  })
})

describe('stream frames', () => {
  test('requests: round trip, caps and versions', () => {
    const r = {
      transferId: new Uint8Array(16).fill(9),
      resumeFrom: 12345,
      proof: new Uint8Array(32).fill(4),
    }
    assert.deepEqual(decodeRequest(encodeRequest(r)), r)
    assert.throws(
      () => decodeRequest(new Uint8Array(FILE_LIMITS.requestBytes + 1)),
      (e) => code(e) === 'oversize',
    )
    assert.throws(
      () => decodeRequest(Uint8Array.of(0xff, 0xff)),
      (e) => code(e) === 'malformed',
    )
    assert.throws(
      () => decodeRequest(encodeRequest({ ...r, proof: new Uint8Array(31) })),
      (e) => code(e) === 'malformed',
    )
    assert.throws(
      () => decodeRequest(encodeRequest({ ...r, resumeFrom: C.maxChunks })),
      (e) => code(e) === 'limit_exceeded',
    )
  })

  test('sender frames: exactly one shape each', () => {
    const header = new Uint8Array(C.headerBytes).fill(5)
    assert.deepEqual(decodeSenderFrame(encodeSenderFrame({ kind: 'start', header })), {
      kind: 'start',
      header,
    })
    const data = new Uint8Array(C.chunkCiphertextBytes).fill(6)
    assert.deepEqual(decodeSenderFrame(encodeSenderFrame({ kind: 'chunk', index: 3, data })), {
      kind: 'chunk',
      index: 3,
      data,
    })
    assert.deepEqual(decodeSenderFrame(encodeSenderFrame({ kind: 'stop', status: 4 })), {
      kind: 'stop',
      status: 4,
    })
    assert.throws(
      () =>
        decodeSenderFrame(
          encodeSenderFrame({
            kind: 'chunk',
            index: 0,
            data: new Uint8Array(C.chunkCiphertextBytes + 1),
          }),
        ),
      (e) => code(e) === 'oversize',
    )
    assert.throws(
      () => decodeSenderFrame(encodeSenderFrame({ kind: 'start', header: new Uint8Array(55) })),
      (e) => code(e) === 'malformed',
    )
    assert.throws(
      () => decodeSenderFrame(new Uint8Array(FILE_LIMITS.senderFrameBytes + 1)),
      (e) => code(e) === 'oversize',
    )
  })

  test('receiver frames round-trip', () => {
    const f = { verified: 77, complete: true, status: 0 }
    assert.deepEqual(decodeReceiverFrame(encodeReceiverFrame(f)), f)
    assert.throws(
      () => decodeReceiverFrame(new Uint8Array(FILE_LIMITS.receiverFrameBytes + 1)),
      (e) => code(e) === 'oversize',
    )
  })

  test('mailbox pieces: oversize data is refused', () => {
    assert.throws(
      () => decodeMailboxPiece(new Uint8Array(FILE_LIMITS.mailboxPieceBytes + 1)),
      (e) => code(e) === 'oversize',
    )
  })

  test('the request proof binds key, transfer, resume index and requester', () => {
    const key = new Uint8Array(32).fill(1)
    const id = new Uint8Array(16).fill(2)
    const base = requestProof(key, id, 0, 'peerA')
    assert.equal(base.length, 32)
    assert.deepEqual(requestProof(key, id, 0, 'peerA'), base)
    assert.notDeepEqual(requestProof(new Uint8Array(32).fill(9), id, 0, 'peerA'), base)
    assert.notDeepEqual(requestProof(key, new Uint8Array(16), 0, 'peerA'), base)
    assert.notDeepEqual(requestProof(key, id, 1, 'peerA'), base)
    assert.notDeepEqual(requestProof(key, id, 0, 'peerB'), base)
  })
})

describe('flow-control limits hold together', () => {
  test('the window outlasts one unflushed sink batch plus an ack interval (no stall with the window full)', () => {
    // The receiver acks after a sink write; a batch smaller than sinkBatchBytes waits for more
    // chunks. If the window were not larger than both together, a sender with its window full
    // would wait for an ack that needs more chunks first.
    const chunksPerBatch = FILE_LIMITS.sinkBatchBytes / C.chunkBytes
    assert.ok(FILE_LIMITS.windowChunks > chunksPerBatch + FILE_LIMITS.ackEveryChunks)
    assert.equal(Number.isInteger(chunksPerBatch), true, 'a sink batch is whole chunks')
  })
})

describe('fallback decision, errors, progress', () => {
  test('the mailbox cap: the relay is believed up to a ceiling, and the host may lower it', () => {
    const MiB = 1024 * 1024
    assert.equal(mailboxCap(undefined, undefined), undefined, 'nobody says: the default applies')
    assert.equal(mailboxCap(undefined, 8 * MiB), 8 * MiB)
    assert.equal(mailboxCap(4 * MiB, 8 * MiB), 4 * MiB)
    assert.equal(mailboxCap(4 * MiB, undefined), 4 * MiB)
    // A relay announcing 4 GiB cannot make the sender queue 4 GiB of pieces in its own store.
    assert.equal(mailboxCap(undefined, 0xffff_ffff), FILE_LIMITS.mailboxFallbackMaxBytes)
  })

  test('direct when possible, mailbox up to the cap, else wait with too_large', () => {
    assert.deepEqual(planRoute(5 << 30, { direct: true }), { route: 'direct' })
    const cap = FILE_LIMITS.mailboxFallbackDefaultBytes
    assert.deepEqual(planRoute(cap, { direct: false }), {
      route: 'mailbox',
      pieces: mailboxPieceCount(cap),
    })
    const wait = planRoute(cap + 1, { direct: false })
    assert.equal(wait.route, 'wait')
    if (wait.route === 'wait') {
      assert.equal(wait.error.code, 'too_large_for_fallback')
      assert.equal(toClientError(wait.error).code, 'too_large')
    }
    assert.equal(planRoute(cap + 1, { direct: false, mailboxCapBytes: 2 * cap }).route, 'mailbox')
  })

  test('relay-only: a file over the cap fails (no direct route will come), one under it goes', () => {
    const cap = FILE_LIMITS.mailboxFallbackDefaultBytes
    const over = planRoute(cap + 1, { direct: false, relayOnly: true })
    assert.equal(over.route, 'fail')
    if (over.route === 'fail') {
      assert.equal(toClientError(over.error).code, 'too_large')
      assert.match(over.error.message, /relay-only mode/)
    }
    assert.equal(planRoute(cap, { direct: false, relayOnly: true }).route, 'mailbox')
  })

  test('quota errors from browsers and Node are recognised; others are not', () => {
    assert.ok(isQuotaError(new DOMException('full', 'QuotaExceededError')))
    assert.ok(isQuotaError(Object.assign(new Error('x'), { code: 'ENOSPC' })))
    assert.ok(!isQuotaError(new Error('EIO')))
    assert.equal(toClientError(new FileTransferError('storage_full', 'x')).code, 'storage_full')
    assert.equal(toClientError(new FileTransferError('interrupted', 'x')).code, 'peer_unreachable')
  })

  test('rate and time left follow the bytes', () => {
    const m = new RateMeter(3000)
    m.add(0, 0)
    m.add(1000, 10_000_000)
    assert.equal(m.rate(), 10_000_000)
    const p = progressOf(10_000_000, 30_000_000, m.rate(), true)
    assert.equal(p.etaSeconds, 2)
    assert.deepEqual(progressOf(1, 2, 5, false), {
      bytes: 1,
      total: 2,
      rateBytesPerSec: 0,
      etaSeconds: null,
    })
  })
})
