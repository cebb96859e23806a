/**
 * The passphrase KDF's worker (ADR 0120): Argon2id runs here, off the page's and the node host's
 * main thread, so the popup stays responsive and the node keeps answering while it runs (0.3-1 s,
 * 64+ MiB). One worker per derivation: WebAssembly memory never shrinks, so the client terminates
 * the worker afterwards to give its 64-256 MiB back.
 *
 * Started by kdf-client.ts from an extension page, the offscreen document (Chrome) or the
 * background page (Firefox); a Chrome service worker cannot start workers. CSP: the script comes
 * from the extension ('self' covers workers through script-src) and WebAssembly needs
 * 'wasm-unsafe-eval', which ADR 0304 grants.
 */
import { hashWasmArgon2id } from '@hestia/core/store/at-rest/argon2id.ts'
import type { Argon2idParams } from '@hestia/core/store/at-rest/argon2id.ts'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'

export interface KdfRequest {
  passphrase: Uint8Array
  salt: Uint8Array
  params: Argon2idParams
}

export type KdfResponse =
  { ok: true; key: Uint8Array } | { ok: false; code: string | null; message: string }

export async function handleKdfRequest(request: KdfRequest): Promise<KdfResponse> {
  try {
    const key = await hashWasmArgon2id(request.passphrase, request.salt, request.params)
    return { ok: true, key }
  } catch (error) {
    return {
      ok: false,
      code: error instanceof AtRestError ? error.code : null,
      message: error instanceof Error ? error.message : String(error),
    }
  } finally {
    request.passphrase.fill(0)
  }
}

interface WorkerScope {
  onmessage: ((event: { data: KdfRequest }) => void) | null
  postMessage(message: KdfResponse, transfer?: Transferable[]): void
}

// In a dedicated worker (no `document`, has `importScripts`): answer each request.
const scope = globalThis as unknown as Partial<WorkerScope> & {
  importScripts?: unknown
  document?: unknown
}
if (typeof scope.importScripts === 'function' && scope.document === undefined) {
  const worker = scope as WorkerScope
  worker.onmessage = (event) => {
    void handleKdfRequest(event.data).then((response) =>
      worker.postMessage(response, response.ok ? [response.key.buffer as ArrayBuffer] : []),
    )
  }
}
