/**
 * A PassphraseKdf that runs Argon2id in a dedicated worker (kdf-worker.ts), one worker per
 * derivation, terminated afterwards so its WebAssembly memory is released (ADR 0120).
 */
import { calibrateUnlockParams } from '@hestia/core/store/at-rest/argon2id.ts'
import type { Argon2idParams, PassphraseKdf } from '@hestia/core/store/at-rest/argon2id.ts'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'
import type { AtRestErrorCode } from '@hestia/core/store/at-rest/errors.ts'
import type { KdfRequest, KdfResponse } from './kdf-worker.ts'

/** The part of a Worker the client uses (tests pass an in-process stand-in). */
export interface KdfWorker {
  postMessage(message: KdfRequest, transfer: Transferable[]): void
  onmessage: ((event: { data: KdfResponse }) => void) | null
  onerror: ((event: { message?: string }) => void) | null
  terminate(): void
}

/** The extension's worker, bundled by Plasmo (Parcel) from kdf-worker.ts. */
export function startKdfWorker(): KdfWorker {
  return new Worker(new URL('./kdf-worker.ts', import.meta.url), {
    type: 'module',
  }) as unknown as KdfWorker
}

export function workerKdf(start: () => KdfWorker = startKdfWorker): PassphraseKdf {
  return (passphrase, salt, params) =>
    new Promise<Uint8Array>((resolve, reject) => {
      const worker = start()
      const done = () => {
        worker.onmessage = null
        worker.onerror = null
        worker.terminate()
      }
      worker.onmessage = ({ data }) => {
        done()
        if (data.ok) resolve(data.key)
        else if (data.code !== null)
          reject(new AtRestError(data.code as AtRestErrorCode, data.message))
        else reject(new Error(`Argon2id failed in its worker: ${data.message}`))
      }
      worker.onerror = (event) => {
        done()
        reject(new Error(`The Argon2id worker failed to run: ${event.message ?? 'unknown error'}`))
      }
      // Copies: the caller keeps its passphrase buffer; the worker zeroes its own copy.
      const request: KdfRequest = {
        passphrase: Uint8Array.from(passphrase),
        salt: Uint8Array.from(salt),
        params,
      }
      worker.postMessage(request, [request.passphrase.buffer as ArrayBuffer])
    })
}

/**
 * Unlock parameters for this device (ADR 0120): times one derivation at the baseline through
 * `kdf` (the worker: the real cost, start-up included) and raises the passes toward `targetMs`.
 */
export function calibrateUnlock(kdf: PassphraseKdf, targetMs = 500): Promise<Argon2idParams> {
  const probe = new Uint8Array(16)
  return calibrateUnlockParams(
    async (params) => {
      const started = performance.now()
      const key = await kdf(new TextEncoder().encode('calibration'), probe, params)
      key.fill(0)
      return performance.now() - started
    },
    { targetMs },
  )
}
