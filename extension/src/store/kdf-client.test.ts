import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hashWasmArgon2id, passphraseBytes } from '@hestia/core/store/at-rest/argon2id.ts'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'
import { calibrateUnlock, workerKdf } from './kdf-client.ts'
import type { KdfWorker } from './kdf-client.ts'
import { handleKdfRequest } from './kdf-worker.ts'

/** An in-process worker: structured-clones messages like postMessage, answers asynchronously. */
function fakeWorker(log: string[]): KdfWorker {
  const worker: KdfWorker = {
    onmessage: null,
    onerror: null,
    postMessage(message) {
      const copy = structuredClone(message)
      void handleKdfRequest(copy).then((data) => worker.onmessage?.({ data }))
    },
    terminate() {
      log.push('terminated')
    },
  }
  return worker
}

const SALT = new Uint8Array(16).fill(5)
const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }

test('worker KDF: same key as running Argon2id in place; the worker is terminated after each use', async () => {
  const log: string[] = []
  const kdf = workerKdf(() => fakeWorker(log))
  const passphrase = passphraseBytes('pw')
  const key = await kdf(passphrase, SALT, FAST)
  assert.deepEqual(key, await hashWasmArgon2id(passphraseBytes('pw'), SALT, FAST))
  assert.deepEqual(passphrase, passphraseBytes('pw'), "the caller's passphrase is left as it was")
  assert.deepEqual(log, ['terminated'])
})

test('worker KDF: refused parameters come back as the same typed error', async () => {
  const kdf = workerKdf(() => fakeWorker([]))
  await assert.rejects(
    kdf(passphraseBytes('pw'), SALT, { memoryKiB: 1 << 30, iterations: 3, parallelism: 4 }),
    (error) => {
      assert.ok(error instanceof AtRestError)
      assert.equal(error.code, 'invalid_parameters')
      return true
    },
  )
})

test('worker KDF: a worker that fails to start rejects instead of hanging', async () => {
  const log: string[] = []
  const kdf = workerKdf(() => {
    const worker: KdfWorker = {
      onmessage: null,
      onerror: null,
      postMessage() {
        queueMicrotask(() => worker.onerror?.({ message: 'CSP refused the script' }))
      },
      terminate() {
        log.push('terminated')
      },
    }
    return worker
  })
  await assert.rejects(kdf(passphraseBytes('pw'), SALT, FAST), /CSP refused the script/)
  assert.deepEqual(log, ['terminated'])
})

test('calibration through the worker: baseline memory, at least 3 passes, the worker used and released', async () => {
  const log: string[] = []
  const params = await calibrateUnlock(
    workerKdf(() => fakeWorker(log)),
    500,
  )
  assert.equal(params.memoryKiB, 64 * 1024)
  assert.equal(params.parallelism, 4)
  assert.ok(params.iterations >= 3 && params.iterations <= 12, `t=${params.iterations}`)
  assert.deepEqual(log, ['terminated'], 'one derivation, worker terminated')
})
