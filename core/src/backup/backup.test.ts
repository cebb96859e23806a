import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { decode, encode } from 'cborg'
import {
  BACKUP_VECTORS_PATH,
  generateBackupVectors,
  goldenBackupContents,
} from '../../test-support/backup-golden.ts'
import type { GoldenBackupFile } from '../../test-support/backup-golden.ts'
import { seededRandom } from '../../test-support/deterministic.ts'
import { fromHex, toHex } from '../crypto/bytes.ts'
import { hashWasmArgon2id, passphraseBytes } from '../store/at-rest/argon2id.ts'
import type { Argon2idParams, PassphraseKdf } from '../store/at-rest/argon2id.ts'
import { aeadSeal } from '../store/at-rest/field-cipher.ts'
import { BackupError } from './errors.ts'
import { decodeBackup, encodeBackup, HEADER_BYTES, readBackupHeader } from './format.ts'
import { generateRecoveryCode, normaliseRecoveryCode } from './recovery-code.ts'

const committed = JSON.parse(readFileSync(BACKUP_VECTORS_PATH, 'utf8')) as GoldenBackupFile
const SMALL: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 }

async function rejectsWith(promise: Promise<unknown>, code: string, what = ''): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof BackupError, `${what}: not a BackupError: ${String(error)}`)
    assert.equal(error.code, code, what)
    assert.ok(error.sentence.length > 10)
    return true
  })
}

void test('backup golden: the generator reproduces the committed vectors byte for byte', async () => {
  assert.deepEqual(JSON.parse(JSON.stringify(await generateBackupVectors())), committed)
})

void test('backup golden: every committed file opens with its passphrase to the golden contents', async () => {
  assert.equal(committed.vectors.length, 3)
  for (const vector of committed.vectors) {
    const file = fromHex(vector.fileHex)
    assert.deepEqual(readBackupHeader(file).params, vector.params, vector.name)
    const contents = await decodeBackup(file, passphraseBytes(vector.passphrase), hashWasmArgon2id)
    assert.deepEqual(contents, goldenBackupContents(), vector.name)
    assert.equal(toHex(encode(contents)), vector.plaintextHex, vector.name)
  }
})

void test('backup golden: every damaged file gives its typed error', async () => {
  for (const vector of committed.damaged) {
    await rejectsWith(
      decodeBackup(fromHex(vector.fileHex), passphraseBytes(vector.passphrase), hashWasmArgon2id),
      vector.error,
      vector.name,
    )
  }
})

void test('backup: the recovery code is 30 digits in six groups, uniform enough, and works as the passphrase', async () => {
  const random = seededRandom('recovery')
  const code = generateRecoveryCode(random)
  assert.match(code, /^(\d{5} ){5}\d{5}$/)
  assert.equal(normaliseRecoveryCode(` ${code.replaceAll(' ', '-')}\n`), code.replaceAll(' ', ''))
  assert.equal(normaliseRecoveryCode(code.slice(0, -1)), null)
  assert.equal(normaliseRecoveryCode(code.replace(/\d$/, 'x')), null)
  const counts = new Array<number>(10).fill(0)
  for (let i = 0; i < 400; i++)
    for (const ch of generateRecoveryCode(random).replaceAll(' ', '')) counts[Number(ch)]!++
  // 12,000 digits: each ~1,200; a biased generator (byte % 10 without rejection) would still pass
  // this loosely, so the bound only catches gross faults such as a constant digit.
  for (const count of counts)
    assert.ok(count > 1000 && count < 1400, `digit counts ${counts.join(',')}`)

  const normalised = normaliseRecoveryCode(code)!
  const file = await encodeBackup(goldenBackupContents(), passphraseBytes(normalised), {
    kdf: hashWasmArgon2id,
    random,
    params: SMALL,
    floor: SMALL,
  })
  assert.deepEqual(
    await decodeBackup(file, passphraseBytes(normalised), hashWasmArgon2id),
    goldenBackupContents(),
  )
})

void test('backup: parameters weaker than the backup default are refused when writing', async () => {
  await rejectsWith(
    encodeBackup(goldenBackupContents(), passphraseBytes('pw'), {
      kdf: hashWasmArgon2id,
      random: seededRandom('w'),
      params: SMALL,
    }),
    'invalid_parameters',
  )
  await rejectsWith(
    encodeBackup(goldenBackupContents(), passphraseBytes('pw'), {
      kdf: hashWasmArgon2id,
      random: seededRandom('w'),
      params: { memoryKiB: 256 * 1024, iterations: 2, parallelism: 4 },
    }),
    'invalid_parameters',
  )
})

void test('backup: contents that do not hang together are refused when writing', async () => {
  const contents = goldenBackupContents()
  contents.messages.push({
    ...contents.messages[0]!,
    messageId: 'orphan',
    conversationId: 'conv-nobody',
  })
  await rejectsWith(
    encodeBackup(contents, passphraseBytes('pw'), {
      kdf: hashWasmArgon2id,
      random: seededRandom('o'),
      params: SMALL,
      floor: SMALL,
    }),
    'damaged',
  )
})

void test('backup: no contact name, message text or identity secret appears in the file', () => {
  const contents = goldenBackupContents()
  const file = Buffer.from(fromHex(committed.vectors[0]!.fileHex))
  for (const needle of ['Ada', 'Tea at five', 'bring the map', 'ada-key-id', 'mailbox-ada'])
    assert.equal(file.includes(Buffer.from(needle)), false, needle)
  assert.equal(file.includes(Buffer.from(contents.identity.secretKeys.subarray(0, 12))), false)
})

/** Runs the real KDF for small parameters; a fixed wrong key for costly ones (fuzzed headers). */
const fuzzKdf: PassphraseKdf = (passphrase, salt, params) =>
  params.memoryKiB * params.iterations <= 4096
    ? hashWasmArgon2id(passphrase, salt, params)
    : Promise.resolve(new Uint8Array(32))

void test('backup fuzz: any mutation, cut or extension of a file gives a BackupError, never another failure', async () => {
  const original = fromHex(committed.vectors[0]!.fileHex)
  const passphrase = passphraseBytes(committed.vectors[0]!.passphrase)
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.record({
          kind: fc.constant('flip' as const),
          at: fc.nat(original.length - 1),
          mask: fc.integer({ min: 1, max: 255 }),
        }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat(original.length - 1) }),
        fc.record({
          kind: fc.constant('append' as const),
          extra: fc.uint8Array({ minLength: 1, maxLength: 64 }),
        }),
        fc.record({
          kind: fc.constant('random' as const),
          bytes: fc.uint8Array({ maxLength: 200 }),
        }),
      ),
      async (mutation) => {
        let file: Uint8Array
        if (mutation.kind === 'flip') {
          file = Uint8Array.from(original)
          file[mutation.at]! ^= mutation.mask
        } else if (mutation.kind === 'cut') file = original.slice(0, mutation.at)
        else if (mutation.kind === 'append')
          file = Uint8Array.from([...original, ...mutation.extra])
        else file = mutation.bytes
        await assert.rejects(decodeBackup(file, passphrase, fuzzKdf), BackupError)
      },
    ),
    { numRuns: 400, seed: 17 },
  )
})

/** A well-sealed v1 file around any plaintext (what a writer knowing the passphrase could make). */
async function sealPlaintext(plaintext: Uint8Array, passphrase: Uint8Array): Promise<Uint8Array> {
  const header = new Uint8Array(HEADER_BYTES)
  const view = new DataView(header.buffer)
  header.set(new TextEncoder().encode('HESTIABK'), 0)
  view.setUint8(8, 1)
  view.setUint8(9, 1)
  view.setUint32(10, SMALL.memoryKiB, false)
  view.setUint32(14, SMALL.iterations, false)
  view.setUint8(18, SMALL.parallelism)
  const salt = new Uint8Array(16).fill(3)
  const nonce = new Uint8Array(24).fill(4)
  header.set(salt, 19)
  header.set(nonce, 35)
  view.setUint32(59, plaintext.length + 16, false)
  const key = await hashWasmArgon2id(passphrase, salt, SMALL)
  return Uint8Array.from([...header, ...aeadSeal(key, nonce, plaintext, header)])
}

void test('backup fuzz: authentic files with malformed contents are refused as damaged (or a newer version)', async () => {
  const passphrase = passphraseBytes('pw')
  // The byte layout written by hand above matches the encoder's (a check of backup.md too).
  const good = await sealPlaintext(encode(goldenBackupContents()), passphrase)
  assert.deepEqual(await decodeBackup(good, passphrase, hashWasmArgon2id), goldenBackupContents())
  const golden = goldenBackupContents() as unknown as Record<string, unknown>
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.jsonValue().map((value) => encode(value)),
        fc
          .record({ key: fc.constantFrom(...Object.keys(golden)), value: fc.jsonValue() })
          .map(({ key, value }) => encode({ ...golden, [key]: value })),
      ),
      async (plaintext) => {
        const file = await sealPlaintext(plaintext, passphrase)
        try {
          // What passes is exactly what was sealed (a field swapped for another valid value).
          const contents = await decodeBackup(file, passphrase, hashWasmArgon2id)
          assert.deepEqual(contents, decode(plaintext))
        } catch (error) {
          assert.ok(error instanceof BackupError, String(error))
          assert.ok(['damaged', 'unsupported_version'].includes(error.code), error.code)
        }
      },
    ),
    { numRuns: 300, seed: 17 },
  )
})
