/**
 * Argon2id (RFC 9106) for passphrases: unlock and backup keys. The implementation is hash-wasm's
 * WebAssembly build (ADR 0120: fastest of the candidates measured here, already a dependency,
 * identical output to @noble/hashes and argon2-browser). It needs `'wasm-unsafe-eval'` in the
 * extension CSP, which ADR 0304/0805 already grant. In the browser it runs in a worker (the
 * extension's kdf-worker), never on a page's or the node host's main thread.
 *
 * Parameters travel with what they protect (the wrapped data key, the backup header), so a
 * record written with calibrated or future parameters is always re-derivable.
 */
import { argon2id } from 'hash-wasm'
import { InvalidParametersError } from './errors.ts'

export interface Argon2idParams {
  /** Memory in KiB (RFC 9106 `m`). */
  memoryKiB: number
  /** Passes over memory (`t`). */
  iterations: number
  /** Lanes (`p`). hash-wasm computes them one after another; the value still changes the output. */
  parallelism: number
}

/** Derives a 32-byte key from a passphrase. Async: the browser runs it in a worker. */
export type PassphraseKdf = (
  passphrase: Uint8Array,
  salt: Uint8Array,
  params: Argon2idParams,
) => Promise<Uint8Array>

export const SALT_BYTES = 16
export const KEY_BYTES = 32

/** The floor for unlock (the seed's 64 MB / 3 passes; p=4 as RFC 9106's second recommendation). */
export const UNLOCK_BASELINE: Argon2idParams = {
  memoryKiB: 64 * 1024,
  iterations: 3,
  parallelism: 4,
}

/**
 * Backups are attacked offline with no rate limit and live for years: 4x the unlock memory. About
 * 1.5-2 s in Chromium here (ADR 0120); a backup is made and opened rarely.
 */
export const BACKUP_DEFAULT: Argon2idParams = {
  memoryKiB: 256 * 1024,
  iterations: 3,
  parallelism: 4,
}

/**
 * What a stored record may ask us to run. The upper bounds keep a hostile or corrupted record from
 * making us allocate gigabytes or spin for minutes; the lower bounds are RFC 9106's minimums
 * (tests use tiny parameters). Writers use `requireAtLeast` to refuse weak parameters.
 */
export const PARAM_BOUNDS = {
  memoryKiBMax: 1024 * 1024,
  iterationsMax: 32,
  parallelismMax: 16,
} as const

/** Throws InvalidParametersError unless `params` is something we are willing to run. */
export function checkParams(params: Argon2idParams): void {
  const { memoryKiB: m, iterations: t, parallelism: p } = params
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 1
  if (!whole(p) || p > PARAM_BOUNDS.parallelismMax)
    throw new InvalidParametersError(
      `Argon2id parallelism must be 1..${PARAM_BOUNDS.parallelismMax}, got ${p}`,
    )
  if (!whole(t) || t > PARAM_BOUNDS.iterationsMax)
    throw new InvalidParametersError(
      `Argon2id iterations must be 1..${PARAM_BOUNDS.iterationsMax}, got ${t}`,
    )
  if (!whole(m) || m < 8 * p || m > PARAM_BOUNDS.memoryKiBMax)
    throw new InvalidParametersError(
      `Argon2id memory must be ${8 * p}..${PARAM_BOUNDS.memoryKiBMax} KiB, got ${m}`,
    )
}

/** Throws unless `params` is at least as costly as `floor` in every dimension. */
export function requireAtLeast(params: Argon2idParams, floor: Argon2idParams, what: string): void {
  checkParams(params)
  if (
    params.memoryKiB < floor.memoryKiB ||
    params.iterations < floor.iterations ||
    params.parallelism < floor.parallelism
  )
    throw new InvalidParametersError(
      `${what} needs Argon2id of at least m=${floor.memoryKiB} KiB, t=${floor.iterations}, p=${floor.parallelism}`,
    )
}

/** hash-wasm's Argon2id (v1.3). */
export const hashWasmArgon2id: PassphraseKdf = async (passphrase, salt, params) => {
  checkParams(params)
  if (salt.length < 8) throw new InvalidParametersError('Argon2id salt must be at least 8 bytes')
  return argon2id({
    password: passphrase,
    salt,
    iterations: params.iterations,
    parallelism: params.parallelism,
    memorySize: params.memoryKiB,
    hashLength: KEY_BYTES,
    outputType: 'binary',
  })
}

/**
 * Passphrases are compared as UTF-8 of their NFC form, so the same words typed on two systems
 * (composed vs decomposed accents) give the same key. Nothing else is changed: spaces count.
 */
export function passphraseBytes(passphrase: string): Uint8Array {
  return new TextEncoder().encode(passphrase.normalize('NFC'))
}

export interface CalibrationOptions {
  /** Aim for this many milliseconds per derivation on this device (ADR 0120: 500). */
  targetMs: number
  /** Never raise iterations beyond this (keeps unlock bounded on a device that was busy). */
  maxIterations?: number
}

/**
 * Chooses unlock parameters for this device: the baseline, with more passes when one baseline run
 * is well under the target. Memory stays at the baseline (64 MiB): more memory would shut out
 * small devices that must open the same profile later and gains less per millisecond in WASM here
 * (128 MiB cost 1.8x the time of 64 MiB, t=4 instead of 3 cost 1.35x). `timeMs` measures one
 * derivation with the given parameters (injected: tests pass a fake; the worker passes a real one).
 */
export async function calibrateUnlockParams(
  timeMs: (params: Argon2idParams) => Promise<number>,
  options: CalibrationOptions,
  baseline: Argon2idParams = UNLOCK_BASELINE,
): Promise<Argon2idParams> {
  const maxIterations = options.maxIterations ?? 12
  const measured = await timeMs(baseline)
  if (!(measured > 0)) return baseline
  const perPass = measured / baseline.iterations
  const iterations = Math.min(
    maxIterations,
    Math.max(baseline.iterations, Math.floor(options.targetMs / perPass)),
  )
  return { ...baseline, iterations }
}
