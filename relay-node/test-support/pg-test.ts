/**
 * `pgTest`: node:test's `test` for tests on a private PostgreSQL cluster (pg-cluster.ts), bounded
 * twice: the test fails at once with PgClusterLostError when its cluster goes away under it, and
 * in any case after PG_TEST_TIMEOUT_MS, instead of waiting for answers that never come.
 */
import { test } from 'node:test'
import type { TestOptions } from 'node:test'
import { whileClusterAlive } from './pg-cluster.ts'

/**
 * Longest a PostgreSQL test may take: the slowest (kill -9 of an instance during a burst from five
 * clients) takes 20–60 s on the shared 2-core machine under load.
 */
export const PG_TEST_TIMEOUT_MS = 180_000

type Body = () => Promise<void> | void

export function pgTest(name: string, body: Body): void
export function pgTest(name: string, options: TestOptions, body: Body): void
export function pgTest(name: string, a: TestOptions | Body, b?: Body): void {
  const options = typeof a === 'function' ? {} : a
  const body = typeof a === 'function' ? a : b!
  test(name, { timeout: PG_TEST_TIMEOUT_MS, ...options }, () =>
    whileClusterAlive(async () => body()),
  )
}
