// Crypto core figures: Double Ratchet encrypt+decrypt throughput, and Cobblestone-256 file
// encryption/decryption against raw WebCrypto AES-256-GCM on the same 16 KiB chunks, measured
// interleaved (A B A B ...) in one run so the ratio holds on a noisy machine.

import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { interleave } from '../lib/interleave.ts'
import { megabytesPerSecond } from '../lib/stats.ts'
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

/** Raw WebCrypto AES-256-GCM over the same 16 KiB chunks, sequential, fresh nonce per chunk. */
async function rawAesGcm(data: Uint8Array<ArrayBuffer>): Promise<number> {
  const subtle = globalThis.crypto.subtle
  const key = await subtle.importKey('raw', new Uint8Array(32).fill(1), 'AES-GCM', false, [
    'encrypt',
  ])
  const iv = new Uint8Array(12)
  const view = new DataView(iv.buffer)
  const started = performance.now()
  let index = 0
  for (let off = 0; off < data.length; off += COBBLESTONE_256.chunkBytes) {
    view.setUint32(8, index++, false)
    await subtle.encrypt(
      { name: 'AES-GCM', iv, tagLength: 128 },
      key,
      data.subarray(off, off + COBBLESTONE_256.chunkBytes),
    )
  }
  return megabytesPerSecond(data.length, performance.now() - started)
}

async function cobblestoneEncrypt(
  data: Uint8Array,
): Promise<{ MBps: number; ciphertext: Uint8Array[]; key: Uint8Array }> {
  const started = performance.now()
  const enc = await FileEncryptor.create({ random: systemPlatform.random })
  const ciphertext = await enc.push(data)
  ciphertext.push(...(await enc.finish()).pieces)
  return {
    MBps: megabytesPerSecond(data.length, performance.now() - started),
    ciphertext,
    key: enc.key,
  }
}

async function cobblestoneDecrypt(
  pieces: Uint8Array[],
  key: Uint8Array,
  size: number,
): Promise<number> {
  const started = performance.now()
  const dec = new FileDecryptor(key)
  for (const piece of pieces) await dec.push(piece)
  await dec.finish()
  return megabytesPerSecond(size, performance.now() - started)
}

const suite: BenchSuite = {
  prefix: 'crypto',
  metrics: [
    'crypto.ratchet.msgs_per_s',
    'crypto.ratchet_turns.msgs_per_s',
    'crypto.webcrypto_aesgcm.MBps',
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
    // Decryption needs a ciphertext: encrypt once outside the measured arms.
    const prepared = await cobblestoneEncrypt(data)
    const files = await interleave(
      {
        raw: () => rawAesGcm(data),
        encrypt: async () => (await cobblestoneEncrypt(data)).MBps,
        decrypt: () => cobblestoneDecrypt(prepared.ciphertext, prepared.key, data.length),
      },
      {
        repetitions: sizes.repetitions,
        warmup: sizes.warmup,
        onSample: (arm, rep, v) => log(`  crypto file ${arm} #${rep + 1}: ${v.toFixed(1)} MB/s`),
      },
    )
    log(
      `  crypto: ${sizes.messages}x2 chain messages, ${sizes.turns} turns, ${sizes.fileBytes / MiB} MiB files, ` +
        `${sizes.repetitions} repetitions (medians)`,
    )
    const metrics: Record<string, Metric> = {
      'crypto.ratchet.msgs_per_s': { value: ratchet.median.burst, unit: 'msgs/s' },
      'crypto.ratchet_turns.msgs_per_s': { value: ratchet.median.turns, unit: 'msgs/s' },
      'crypto.webcrypto_aesgcm.MBps': { value: files.median.raw, unit: 'MB/s' },
      'crypto.file_encrypt.MBps': {
        value: files.median.encrypt,
        unit: 'MB/s',
        baseline: 'crypto.webcrypto_aesgcm.MBps',
        goal: 'ratio >= 0.8',
      },
      'crypto.file_decrypt.MBps': {
        value: files.median.decrypt,
        unit: 'MB/s',
        baseline: 'crypto.webcrypto_aesgcm.MBps',
        goal: 'ratio >= 0.8',
      },
    }
    return metrics
  },
}

export default suite
