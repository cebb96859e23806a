/**
 * Support for the relay's hostile-load tests and the soak bench: hostile worker processes, the
 * relay's RSS, its Prometheus counters.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const WORKER = join(import.meta.dirname, 'soak-hostile-worker.ts')

export type AttackReport = Record<string, unknown> & { attack: string }

/** Runs one hostile worker process to its end and returns its JSON lines. */
export async function runWorker(
  relayAddr: string,
  sourceIp: string,
  attack: string,
  durationMs = 0,
): Promise<AttackReport[]> {
  const child = spawn(process.execPath, [WORKER, relayAddr, sourceIp, attack, String(durationMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  assert.equal(code, 0, `worker ${attack} from ${sourceIp} failed: ${err}`)
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AttackReport)
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(m[1]) / 1024
}

/** Sums a Prometheus counter over its label sets (optionally only those with `label`). */
export async function counter(adminUrl: string, name: string, label?: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    if (label !== undefined && !line.includes(label)) continue
    sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}
