/**
 * Reading the official MLS interop vectors (mlswg/mls-implementations test-vectors/, copied
 * unchanged into ../shared/vectors/mls/) and counting results per file and per ciphersuite.
 * A fresh clone has no ../shared: the tests skip and say so, except under CI (env CI set), where
 * missing vectors fail, so CI can never pass by not running them.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fromHex } from '../src/crypto/bytes.ts'
import { loadSuite, type GroupSuite } from '../src/groups/mls.ts'

const DIR = join(resolve(import.meta.dirname, '..', '..'), '..', 'shared', 'vectors', 'mls')

export interface VectorContext {
  skip(message: string): void
  diagnostic(message: string): void
}

/** Vector files with a suite carry `cipher_suite`; tree-math and deserialization do not. */
export type VectorCase = object

/** The cases of one vector file, or undefined after skipping (no ../shared outside CI). */
export function loadVectors<T = VectorCase>(t: VectorContext, name: string): T[] | undefined {
  const path = join(DIR, name)
  if (!existsSync(path)) {
    assert.ok(process.env.CI === undefined, `${name} missing from ../shared/vectors/mls under CI`)
    t.skip(`${name} not found in ../shared/vectors/mls (fresh clone without ../shared)`)
    return undefined
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T[]
}

export const hex = (s: string): Uint8Array => fromHex(s)

/** Field-element sizes of the NIST-curve suites (P-256, P-521, P-384), RFC 9420 §17.1. */
const NIST_KEY_BYTES: Readonly<Record<number, number>> = { 2: 32, 5: 66, 7: 48 }

/**
 * test-vectors.md encodes ECDSA and (NIST) HPKE private keys as fixed-length big-endian field
 * elements; some P-521 keys in message-protection.json and passive-client-*.json are 65 bytes,
 * their leading zero byte dropped. Same integer: put the zero back (the library, rightly, wants
 * the fixed length of RFC 9180 SerializePrivateKey). ADR 0130 records this.
 */
export function fixedLengthKey(suite: number, hexKey: string): Uint8Array {
  const raw = hex(hexKey)
  const size = NIST_KEY_BYTES[suite]
  if (size === undefined || raw.length >= size) return raw
  const padded = new Uint8Array(size)
  padded.set(raw, size - raw.length)
  return padded
}

const suites = new Map<number, Promise<GroupSuite>>()

export function suiteFor(id: number): Promise<GroupSuite> {
  let s = suites.get(id)
  if (s === undefined) {
    s = loadSuite(id)
    suites.set(id, s)
  }
  return s
}

/**
 * Runs `check` on every case of `name`, prints "<file>: passed/total" and the split per
 * ciphersuite, and fails listing the failing cases (index, suite, reason). A check passes by
 * returning; it fails by throwing (assert or the library).
 */
export async function runVectors<T extends VectorCase>(
  t: VectorContext,
  name: string,
  check: (c: T, index: number) => Promise<void> | void,
): Promise<void> {
  const cases = loadVectors<T>(t, name)
  if (cases === undefined) return
  const perSuite = new Map<string, { passed: number; total: number }>()
  const failures: string[] = []
  for (const [i, c] of cases.entries()) {
    const id = (c as { cipher_suite?: number }).cipher_suite
    const key = id === undefined ? 'any' : `0x${id.toString(16).padStart(4, '0')}`
    const row = perSuite.get(key) ?? { passed: 0, total: 0 }
    perSuite.set(key, row)
    row.total++
    try {
      await check(c, i)
      row.passed++
    } catch (err) {
      failures.push(
        `#${i} (${key}): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      )
    }
  }
  const passed = [...perSuite.values()].reduce((n, r) => n + r.passed, 0)
  const split = [...perSuite.entries()].map(([k, r]) => `${k} ${r.passed}/${r.total}`).join(', ')
  t.diagnostic(`${name}: ${passed}/${cases.length} passed (${split})`)
  assert.ok(cases.length > 0, `${name} has no cases`)
  assert.deepEqual(failures, [], `${name}: failing cases`)
}
