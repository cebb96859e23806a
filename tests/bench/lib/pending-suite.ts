// A suite whose capability has not landed yet: it declares its metrics (so the table lists them
// as pending, with their goals) and measures nothing. Replace the file's body with real
// measurements when the capability lands; keep the metric names.

import type { BenchSuite } from '../types.ts'

export function pendingSuite(
  prefix: string,
  metrics: readonly string[],
  waitsFor: string,
): BenchSuite {
  return {
    prefix,
    metrics,
    run({ log }) {
      log(`  ${prefix}: pending until ${waitsFor} lands`)
      return Promise.resolve({})
    },
  }
}
