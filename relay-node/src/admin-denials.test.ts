import { afterEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { AdminDenials, DENIAL_WINDOW_MS } from './admin-denials.ts'
import { AdminServer } from './admin-server.ts'
import { AUDIT_LOG_FILE, AuditLog } from './audit-log.ts'
import type { AuditEntry } from './audit-log.ts'
import { RelayMetrics } from './metrics.ts'

const dirs: string[] = []
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hestia-admin-'))
  dirs.push(d)
  return d
}

function lines(path: string): Array<AuditEntry & { time: string }> {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry & { time: string })
}

void test('keyless admin requests: 401 up to the burst, then 429; the audit log gets one line at once and one count per minute', async () => {
  const dir = tempDir()
  let t = Date.parse('2026-12-06T04:00:00Z')
  const now = () => t
  const audit = new AuditLog(dir, { now })
  const denials = new AdminDenials({ audit, now, rate: { perSecond: 1, burst: 10 } })
  const metrics = new RelayMetrics({
    connections: () => 0,
    reservations: () => 0,
    subscribers: () => 0,
    store: () => ({ mailboxes: 0, messages: 0, bytes: 0 }),
  })
  const banned: string[] = []
  const server = new AdminServer({
    host: '127.0.0.1',
    port: 0,
    keyHashes: () => [],
    audit,
    denials,
    metrics,
    log: pino({ level: 'silent' }),
    actions: {
      stats: () => Promise.resolve({}),
      health: () => ({ ok: true, detail: {} }),
      ban: (_kind, value) => {
        banned.push(value)
        return Promise.resolve()
      },
      unban: () => true,
      bans: () => ({ peers: [], ips: [] }),
      purge: () => Promise.resolve(false),
      rotateKey: () => Promise.resolve({}),
    },
  })
  const port = await server.start()
  cleanups.push(async () => {
    await server.stop()
    denials.close()
    audit.close()
  })
  const statuses: number[] = []
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/admin/ban`, {
      method: 'POST',
      headers: { authorization: 'Bearer hestia_admin_guess' + i },
      body: '{"ip":"192.0.2.1"}',
    })
    statuses.push(res.status)
    if (res.status === 429) assert.ok(Number(res.headers.get('retry-after')) >= 1)
    await res.arrayBuffer()
  }
  assert.deepEqual(banned, [], 'nothing was banned')
  assert.equal(statuses.filter((s) => s === 401).length, 10, 'the burst gets 401')
  assert.equal(statuses.filter((s) => s === 429).length, 290, 'the rest 429')

  const path = join(dir, AUDIT_LOG_FILE)
  assert.equal(lines(path).length, 1, 'one line during the minute')
  assert.equal(lines(path)[0]!.result, 'denied')
  assert.equal(lines(path)[0]!.count, 1)
  assert.equal(lines(path)[0]!.source, '127.0.0.1')

  t += DENIAL_WINDOW_MS
  denials.flush(false)
  const after = lines(path)
  assert.equal(after.length, 2)
  assert.equal(after[1]!.count, 299)
  assert.deepEqual(after[1]!.target, { denied: 9, rateLimited: 290 })
  assert.equal(after[1]!.source, '127.0.0.1')
  assert.ok(!readFileSync(path, 'utf8').includes('hestia_admin_guess'), 'no presented key logged')
  const m = await metrics.registry.getSingleMetricAsString('hestia_relay_admin_denied_total')
  assert.match(m, /result="rate_limited"} 290/)
})

void test('the audit log rotates at its size cap and keeps the newest files', () => {
  const dir = tempDir()
  const audit = new AuditLog(dir, { maxBytes: 1000, keep: 3 })
  for (let i = 0; i < 100; i++)
    audit.append({ action: 'ban', actor: 'abc', result: 'ok', target: { n: i } })
  audit.close()
  const path = join(dir, AUDIT_LOG_FILE)
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`))
  assert.ok(!existsSync(`${path}.3`), 'no more than 3 files')
  for (const p of [path, `${path}.1`, `${path}.2`]) assert.ok(statSync(p).size <= 1000, p)
  const newest = lines(path)
  assert.equal(newest.at(-1)!.target!.n, 99, 'the last entry is in the current file')
  const older = lines(`${path}.1`)
  assert.equal(
    older.at(-1)!.target!.n,
    Number(newest[0]!.target!.n) - 1,
    'nothing lost between files',
  )
})
