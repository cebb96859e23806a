// The floor of the file path (issue #21): the raw arm's channel and pages (lib/raw-datachannel.ts)
// carrying a file the way any encrypted, stored transfer must, with none of our stack (libp2p,
// protobuf frames, the engine, the host) on the way. Two arms:
//
//   sealed  the product's per-chunk crypto on both sides: AES-256-GCM per 16 KiB chunk through
//           WebCrypto on the sender (a slice's chunks at once, three slices ahead), three chunks
//           per message, a 256-chunk window; the receiver decrypts 32 ahead and runs SHA-256
//           (hash-wasm) over the header and every ciphertext; plaintext dropped per 512 KiB.
//   stored  sealed, plus what the receiver does to keep the file (chunk-sink.ts): each 512 KiB
//           batch joined into one buffer and put as a Blob row into IndexedDB, one transaction
//           per batch, one write at a time, acks once the write committed. The bench's
//           extensions have no passphrase, so the product seals nothing at rest on this path
//           (vault.ts filesCipher: none without one) and neither does this arm.
//
// What neither arm does and the product's direct arm does: read the staged copy from IndexedDB
// on the sender (here one 512 KiB plaintext buffer is sealed for every slice), libp2p's framing
// and queue, protobuf frames, the host's records and progress, the final check and the save.
//
//   const floor = await prepareRawFileFloor(rawPair)
//   const { bytes, milliseconds } = await floor.run('stored', 128 * 2 ** 20)

import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { COBBLESTONE_256 } from '../../../core/src/crypto/cobblestone.ts'
import { FILE_LIMITS } from '../../../core/src/files/limits.ts'
import { SEAL_AHEAD_SLICES } from '../../../core/src/files/sealer.ts'
import { FRAMES_PER_WRITE } from '../../../core/src/files/sender.ts'
import {
  BULK_HIGH_WATER_BYTES,
  BULK_LOW_WATER_BYTES,
  PAGE_WAIT_LIMIT_MS,
  type RawChannelPair,
} from './raw-datachannel.ts'
import {
  FLOOR_PAGE_SCRIPT,
  floorReceiverCollect,
  floorReceiverStart,
  floorSend,
  type FloorShape,
} from './raw-file-floor-page.ts'

export type FloorArm = 'sealed' | 'stored'

/** receiver.ts DECRYPT_AHEAD (not exported there): chunks being decrypted at once. */
export const FLOOR_DECRYPT_AHEAD = 32
/** The receiving page's own database (not the extension's: these are blank pages). */
const FLOOR_DB_NAME = 'hestia-bench-file-floor'
/** A slow shared machine moves at least ~5 MB/s through two browsers (as the file suite's limit). */
const runLimitMs = (bytes: number): number => 60_000 + (bytes / 2 ** 20) * 200

export interface RawFileFloor {
  /** One file of `bytes` through the arm; the time runs from the first seal to the receiver's end. */
  run(
    arm: FloorArm,
    bytes: number,
    options?: { tamperChunk?: number },
  ): Promise<{ bytes: number; milliseconds: number }>
}

export class FloorCheckError extends Error {
  override readonly name = 'FloorCheckError'
}

interface Material {
  key: Buffer
  nonce: Buffer
  header: Buffer
  slice: Buffer
}

/** core/src/crypto/cobblestone.ts chunkNonce. */
function chunkNonce(base: Buffer, index: number): Buffer {
  const nonce = Buffer.from(base)
  let v = index
  for (let i = 11; i >= 7; i--) {
    nonce[i] = nonce[i]! ^ (v % 256)
    v = Math.floor(v / 256)
  }
  return nonce
}

/** SHA-256 of header + every sealed chunk, as the receiving page must find it (node:crypto). */
export function expectedFloorDigest(m: Material, bytes: number): string {
  const C = COBBLESTONE_256
  const hash = createHash('sha256').update(m.header)
  const last = Math.floor(bytes / C.chunkBytes)
  const per = FILE_LIMITS.sinkBatchBytes / C.chunkBytes
  for (let i = 0; i <= last; i++) {
    const at = (i % per) * C.chunkBytes
    const length = i < last ? C.chunkBytes : bytes - last * C.chunkBytes
    const cipher = createCipheriv('aes-256-gcm', m.key, chunkNonce(m.nonce, i))
    hash.update(cipher.update(m.slice.subarray(at, at + length)))
    hash.update(cipher.final())
    hash.update(cipher.getAuthTag())
  }
  return hash.digest('hex')
}

/** Installs the floor's page code (and hash-wasm in the receiving page) on the raw pair. */
export async function prepareRawFileFloor(pair: RawChannelPair): Promise<RawFileFloor> {
  const [sending, receiving] = pair.pages
  const require = createRequire(import.meta.url)
  await receiving.addScriptTag({ path: require.resolve('hash-wasm/dist/sha256.umd.min.js') })
  await Promise.all(pair.pages.map((page) => page.addScriptTag({ content: FLOOR_PAGE_SCRIPT })))
  const C = COBBLESTONE_256
  const m: Material = {
    key: randomBytes(32),
    nonce: randomBytes(12),
    header: randomBytes(C.headerBytes),
    slice: randomBytes(FILE_LIMITS.sinkBatchBytes),
  }
  const digests = new Map<number, string>()
  const shape = (bytes: number): FloorShape => ({
    bytes,
    chunkBytes: C.chunkBytes,
    tagBytes: C.chunkCiphertextBytes - C.chunkBytes,
    batchBytes: FILE_LIMITS.sinkBatchBytes,
    keyB64: m.key.toString('base64'),
    nonceB64: m.nonce.toString('base64'),
  })
  return {
    async run(arm, bytes, options = {}) {
      const transferId = randomUUID()
      const limitMs = runLimitMs(bytes)
      await receiving.evaluate(floorReceiverStart, {
        ...shape(bytes),
        mode: arm,
        headerB64: m.header.toString('base64'),
        decryptAhead: FLOOR_DECRYPT_AHEAD,
        ackEvery: FILE_LIMITS.ackEveryChunks,
        transferId,
        dbName: FLOOR_DB_NAME,
      })
      const sent = await sending
        .evaluate(floorSend, {
          ...shape(bytes),
          sliceB64: m.slice.toString('base64'),
          windowChunks: FILE_LIMITS.windowChunks,
          sealAheadSlices: SEAL_AHEAD_SLICES,
          framesPerMessage: FRAMES_PER_WRITE,
          high: BULK_HIGH_WATER_BYTES,
          low: BULK_LOW_WATER_BYTES,
          waitLimitMs: limitMs,
          ...(options.tamperChunk !== undefined && { tamperChunk: options.tamperChunk }),
        })
        .catch(async (error: unknown) => {
          // The receiver's own reason (e.g. a chunk that failed authentication) names the fault.
          await receiving.evaluate(floorReceiverCollect, 5_000)
          throw error
        })
      const got = await receiving.evaluate(floorReceiverCollect, PAGE_WAIT_LIMIT_MS)
      const chunks = Math.floor(bytes / C.chunkBytes) + 1
      if (!digests.has(bytes)) digests.set(bytes, expectedFloorDigest(m, bytes))
      const rows = arm === 'stored' ? Math.floor(bytes / FILE_LIMITS.sinkBatchBytes) + 1 : 0
      if (got.consumed !== chunks || sent.acknowledged !== chunks)
        throw new FloorCheckError(`receiver took ${got.consumed} of ${chunks} chunks`)
      if (got.digest !== digests.get(bytes))
        throw new FloorCheckError('the received ciphertext does not hash to the sent one')
      if (got.rows !== rows) throw new FloorCheckError(`${got.rows} rows stored, ${rows} expected`)
      return { bytes, milliseconds: sent.milliseconds }
    },
  }
}
