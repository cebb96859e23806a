/**
 * SHA-256 in WebAssembly (hash-wasm) for the file engine: the receiver hashes every ciphertext
 * byte and the sender every byte of a file it offers. In Chromium, @noble/hashes' JavaScript
 * SHA-256 runs at ~75 MB/s, which made hashing the largest single cost of a browser transfer; this
 * one runs at ~300 MB/s (measured in the same browser). Needs `'wasm-unsafe-eval'` in the page's
 * CSP (ADR 0805); where WebAssembly cannot be compiled it falls back to noble.
 */
import { createSHA256 } from 'hash-wasm'
import type { Sha256Factory, Sha256Hasher } from './ports.ts'
import { nobleSha256 } from './sealer.ts'

let wasmUnavailable = false

export const wasmSha256: Sha256Factory = async (): Promise<Sha256Hasher> => {
  if (wasmUnavailable) return nobleSha256()
  try {
    const hasher = await createSHA256()
    hasher.init()
    return {
      update: (data) => {
        hasher.update(data)
      },
      digest: () => hasher.digest('binary'),
    }
  } catch {
    // A CSP without 'wasm-unsafe-eval' (or no WebAssembly): slower, same result.
    wasmUnavailable = true
    return nobleSha256()
  }
}
