// The machine a run came from, written into latest.json: figures from different machines are not
// comparable, ratios measured in one run are.

import { execFile } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { promisify } from 'node:util'
import { CHROMIUM_PATH } from './chromium.ts'

export interface Machine {
  /** Logical CPUs available to this process. */
  cpus: number
  /** Node version running the benchmarks, e.g. "v24.21.0". */
  node: string
  /** Chromium version, e.g. "156.0.8078.79", or "unavailable" when it cannot be started. */
  chromium: string
}

/** Asks the Chromium binary for its version; never throws (benchmarks without it still run). */
export async function chromiumVersion(executablePath: string = CHROMIUM_PATH): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(executablePath, ['--version'], { timeout: 15_000 })
    return /(\d+(?:\.\d+)+)/.exec(stdout)?.[1] ?? 'unavailable'
  } catch {
    return 'unavailable'
  }
}

export async function describeMachine(): Promise<Machine> {
  return { cpus: availableParallelism(), node: process.version, chromium: await chromiumVersion() }
}
