// Finds and imports the suite files of a directory. A file that fails to import or does not
// default-export a BenchSuite becomes a failed entry; the other suites still load.

import { readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BenchSuite } from '../types.ts'

/** A suite file that does not default-export { prefix, metrics, run }. */
export class BenchSuiteShapeError extends Error {
  override readonly name = 'BenchSuiteShapeError'
  readonly code = 'bench_suite_shape'
}

export type LoadedSuite =
  { name: string; file: string; suite: BenchSuite } | { name: string; file: string; error: string }

const SUITE_FILE = /^(?!.*\.(?:test|d)\.[cm]?[jt]s$).*\.(?:[cm]?ts|[cm]?js)$/

/** Suite file names in `dir`, sorted: *.ts, *.mts, *.js, *.mjs, without tests and .d.ts. */
export function listSuiteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && SUITE_FILE.test(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort()
}

/** The suite's name: its file name without extension ("crypto" for crypto.ts). */
export function suiteName(file: string): string {
  return basename(file).replace(/\.[cm]?[jt]s$/, '')
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

function checkSuiteShape(candidate: unknown, file: string): BenchSuite {
  const suite = candidate as Partial<BenchSuite> | undefined
  const ok =
    typeof suite === 'object' &&
    suite !== null &&
    typeof suite.prefix === 'string' &&
    Array.isArray(suite.metrics) &&
    suite.metrics.every((metric) => typeof metric === 'string') &&
    typeof suite.run === 'function'
  if (!ok) {
    throw new BenchSuiteShapeError(
      `${basename(file)} must default-export a BenchSuite { prefix, metrics, run } (tests/bench/types.ts)`,
    )
  }
  return suite as BenchSuite
}

export async function loadSuite(file: string): Promise<LoadedSuite> {
  const name = suiteName(file)
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown }
    return { name, file, suite: checkSuiteShape(module.default, file) }
  } catch (error) {
    return { name, file, error: describeError(error) }
  }
}
