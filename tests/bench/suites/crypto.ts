// Crypto core figures: Double Ratchet encrypt+decrypt throughput, and Cobblestone-256 file
// encryption/decryption against raw WebCrypto AES-256-GCM on the same 16 KiB chunks, measured
// interleaved (A B C A B C ... over 1 MiB slices) in one run so the ratio holds on a noisy machine.

import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { interleave } from '../lib/interleave.ts'
import { median, megabytesPerSecond } from '../lib/stats.ts'
import {
  FileDecryptor,
  FileEncryptor,
  COBBLESTONE_256,
} from '../../../core/src/crypto/file-encryption.ts'
import { systemPlatform } from '../../../core/src/crypto/platform.ts'
import { makeSessionPair } from '../../../core/test-support/crypto-fixtures.ts'

interface Sizes {
  /** Messages per ratchet repetition (one direction, then the same back). */
  messages: number
  /** Alternating-direction messages per repetition (each one a DH ratchet step). */
  turns: number
  fileBytes: number
  repetitions: number
  warmup: number
}

const MiB = 1024 * 1024

const SIZES: Record<BenchMode, Sizes> = {
  smoke: { messages: 200, turns: 20, fileBytes: 1 * MiB, repetitions: 1, warmup: 1 },
  quick: { messages: 2000, turns: 100, fileBytes: 16 * MiB, repetitions: 5, warmup: 1 },
  full: { messages: 10_000, turns: 400, fileBytes: 64 * MiB, repetitions: 9, warmup: 2 },
}

const BODY = new Uint8Array(200).fill(0x61)

/** Messages/s for `count` messages A→B then `count` B→A: chain steps, two DH ratchet steps. */
function ratchetBurst(count: number): number {
  const { alice, bob } = makeSessionPair(systemPlatform)
  bob.decrypt(alice.encrypt(BODY).frame) // leave the PQXDH header phase
  alice.decrypt(bob.encrypt(BODY).frame)
  const started = performance.now()
  for (let i = 0; i < count; i++) bob.decrypt(alice.encrypt(BODY).frame)
  for (let i = 0; i < count; i++) alice.decrypt(bob.encrypt(BODY).frame)
  return (2 * count) / ((performance.now() - started) / 1000)
}

/** Messages/s when every message changes direction (a DH ratchet step each). */
function ratchetTurns(count: number): number {
  const { alice, bob } = makeSessionPair(systemPlatform)
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) bob.decrypt(alice.encrypt(BODY).frame)
    else alice.decrypt(bob.encrypt(BODY).frame)
  }
  return count / ((performance.now() - started) / 1000)
}

/** Bytes per interleaving slice: A B C over 1 MiB slices, so a descheduled moment hits all arms. */
const SLICE_BYTES = 1 * MiB

/** Milliseconds per 1 MiB slice, per arm. */
interface FileRound {
  raw: number[]
  rawDecrypt: number[]
  encrypt: number[]
  decrypt: number[]
}

/**
 * One repetition over `data`: for each 1 MiB slice, raw WebCrypto AES-256-GCM on its 16 KiB chunks
 * (fresh nonce per chunk), raw WebCrypto decryption of those chunks, then Cobblestone encryption of the same slice (a streaming
 * FileEncryptor), then streaming decryption of what that produced. Returns each arm's time per
 * slice; the suite takes medians over all slices, so one GC pause or descheduling (tens of ms on
 * a shared machine, as long as a whole arm) cannot decide the figure. Set-up (key derivation,
 * commitment check) counts in the first Cobblestone slice.
 */
async function fileRound(data: Uint8Array<ArrayBuffer>): Promise<FileRound> {
  const subtle = globalThis.crypto.subtle
  const rawKey = await subtle.importKey('raw', new Uint8Array(32).fill(1), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ])
  const iv = new Uint8Array(12)
  const ivView = new DataView(iv.buffer)
  let rawIndex = 0
  const time: FileRound = { raw: [], rawDecrypt: [], encrypt: [], decrypt: [] }
  let t = performance.now()
  const enc = await FileEncryptor.create({ random: systemPlatform.random })
  const dec = new FileDecryptor(enc.key)
  let setup = performance.now() - t
  for (let off = 0; off < data.length; off += SLICE_BYTES) {
    const slice = data.subarray(off, Math.min(data.length, off + SLICE_BYTES))
    const sealed: { iv: Uint8Array<ArrayBuffer>; ct: ArrayBuffer }[] = []
    t = performance.now()
    for (let c = 0; c < slice.length; c += COBBLESTONE_256.chunkBytes) {
      ivView.setUint32(8, rawIndex++, false)
      const chunkIv = iv.slice()
      const ct = await subtle.encrypt(
        { name: 'AES-GCM', iv: chunkIv, tagLength: 128 },
        rawKey,
        slice.subarray(c, c + COBBLESTONE_256.chunkBytes),
      )
      sealed.push({ iv: chunkIv, ct })
    }
    time.raw.push(performance.now() - t)
    t = performance.now()
    for (const { iv: chunkIv, ct } of sealed) {
      await subtle.decrypt({ name: 'AES-GCM', iv: chunkIv, tagLength: 128 }, rawKey, ct)
    }
    time.rawDecrypt.push(performance.now() - t)
    t = performance.now()
    const pieces = await enc.push(slice)
    time.encrypt.push(performance.now() - t + setup)
    setup = 0
    t = performance.now()
    for (const piece of pieces) await dec.push(piece)
    time.decrypt.push(performance.now() - t)
  }
  // The final (short, here empty) chunk and the end-of-file checks, added to the last slice.
  t = performance.now()
  const last = await enc.finish()
  time.encrypt[time.encrypt.length - 1]! += performance.now() - t
  t = performance.now()
  for (const piece of last.pieces) await dec.push(piece)
  await dec.finish()
  time.decrypt[time.decrypt.length - 1]! += performance.now() - t
  return time
}

const suite: BenchSuite = {
  prefix: 'crypto',
  metrics: [
    'crypto.ratchet.msgs_per_s',
    'crypto.ratchet_turns.msgs_per_s',
    'crypto.webcrypto_aesgcm.MBps',
    'crypto.webcrypto_aesgcm_decrypt.MBps',
    'crypto.file_encrypt.MBps',
    'crypto.file_decrypt.MBps',
  ],
  async run({ mode, log }) {
    const sizes = SIZES[mode]
    const ratchet = await interleave(
      { burst: () => ratchetBurst(sizes.messages), turns: () => ratchetTurns(sizes.turns) },
      {
        repetitions: sizes.repetitions,
        warmup: sizes.warmup,
        onSample: (arm, rep, v) =>
          log(`  crypto ratchet ${arm} #${rep + 1}: ${v.toFixed(0)} msgs/s`),
      },
    )
    const data = systemPlatform.random(sizes.fileBytes) as Uint8Array<ArrayBuffer>
    const all: FileRound = { raw: [], rawDecrypt: [], encrypt: [], decrypt: [] }
    const sliceMBps = (ms: number[]) => megabytesPerSecond(SLICE_BYTES, median(ms))
    for (let rep = 0; rep < sizes.warmup + sizes.repetitions; rep++) {
      const r = await fileRound(data)
      if (rep < sizes.warmup) continue
      all.raw.push(...r.raw)
      all.rawDecrypt.push(...r.rawDecrypt)
      all.encrypt.push(...r.encrypt)
      all.decrypt.push(...r.decrypt)
      log(
        `  crypto file #${rep + 1 - sizes.warmup}: raw ${sliceMBps(r.raw).toFixed(1)}, ` +
          `raw decrypt ${sliceMBps(r.rawDecrypt).toFixed(1)}, ` +
          `encrypt ${sliceMBps(r.encrypt).toFixed(1)}, decrypt ${sliceMBps(r.decrypt).toFixed(1)} MB/s (slice medians)`,
      )
    }
    const files = {
      median: {
        raw: sliceMBps(all.raw),
        rawDecrypt: sliceMBps(all.rawDecrypt),
        encrypt: sliceMBps(all.encrypt),
        decrypt: sliceMBps(all.decrypt),
      },
    }
    log(
      `  crypto: ${sizes.messages}x2 chain messages, ${sizes.turns} turns, ${sizes.fileBytes / MiB} MiB files, ` +
        `${sizes.repetitions} repetitions (medians)`,
    )
    const metrics: Record<string, Metric> = {
      'crypto.ratchet.msgs_per_s': { value: ratchet.median.burst, unit: 'msgs/s' },
      'crypto.ratchet_turns.msgs_per_s': { value: ratchet.median.turns, unit: 'msgs/s' },
      'crypto.webcrypto_aesgcm.MBps': { value: files.median.raw, unit: 'MB/s' },
      'crypto.webcrypto_aesgcm_decrypt.MBps': { value: files.median.rawDecrypt, unit: 'MB/s' },
      'crypto.file_encrypt.MBps': {
        value: files.median.encrypt,
        unit: 'MB/s',
        baseline: 'crypto.webcrypto_aesgcm.MBps',
        goal: 'ratio >= 0.8',
      },
      'crypto.file_decrypt.MBps': {
        value: files.median.decrypt,
        unit: 'MB/s',
        baseline: 'crypto.webcrypto_aesgcm_decrypt.MBps',
        goal: 'ratio >= 0.8',
      },
    }
    return metrics
  },
}

export default suite
