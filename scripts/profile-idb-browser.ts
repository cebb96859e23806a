/**
 * What an IndexedDB transaction costs where the messenger's store runs (issue #21, ADR 0441): one
 * extension profile (the chrome-mv3 test build), and in its offscreen document a scratch database
 * with the store's 12 tables, raw IndexedDB (no Dexie, no sealing). The arms run in turn, each
 * `n` times:
 *
 * - all, one by one: a readwrite transaction over all 12 tables (as the store opens every one)
 *   with six requests, each awaited before the next (get, get, put, add, put, get)
 * - scoped, one by one: the same over only the 4 tables it touches
 * - all, together: all 12 tables, the six requests issued at once
 * - read after write: a readonly transaction of two gets started the moment a write completed
 * - read when idle: the same 20 ms later
 *
 *   node_modules/.bin/node scripts/profile-idb-browser.ts [n=40]
 */
import { openSingleExtension } from '../tests/bench/lib/extension-pair.ts'
import { OffscreenCdp } from '../tests/bench/lib/offscreen-cdp.ts'

const n = Number(process.argv[2] ?? 40)

/** Runs in the offscreen document; returns ms per arm and iteration. */
async function measure(rounds: number): Promise<Record<string, number[]>> {
  const tables = [
    'singletons',
    'devices',
    'contacts',
    'sessions',
    'conversations',
    'messages',
    'outbox',
    'transfers',
    'seen',
    'keyring',
    'groups',
    'groupMessages',
  ]
  const name = `hestia-idb-probe-${Date.now()}`
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(name, 1)
    open.onupgradeneeded = () => {
      for (const t of tables) {
        open.result.createObjectStore(t, t === 'outbox' ? { autoIncrement: true } : {})
      }
    }
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(new Error(`open: ${String(open.error)}`))
  })
  const row = (i: number) => ({ id: i, text: 'x'.repeat(160), at: Date.now() })
  const req = <T>(r: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(new Error(`request: ${String(r.error)}`))
    })
  const done = (tx: IDBTransaction) =>
    new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(new Error(`transaction: ${String(tx.error)}`))
    })
  const now = () => performance.now()
  const write = async (scope: string[], together: boolean, i: number): Promise<number> => {
    const t0 = now()
    const tx = db.transaction(scope, 'readwrite', { durability: 'relaxed' })
    const steps = [
      () => tx.objectStore('contacts').get(i),
      () => tx.objectStore('sessions').get(i),
      () => tx.objectStore('sessions').put(row(i), i),
      () => tx.objectStore('outbox').add(row(i)),
      () => tx.objectStore('messages').put(row(i), i),
      () => tx.objectStore('contacts').get(i),
    ]
    if (together) await Promise.all(steps.map((s) => req(s())))
    else for (const s of steps) await req(s())
    await done(tx)
    return now() - t0
  }
  const read = async (): Promise<number> => {
    const t0 = now()
    const tx = db.transaction(tables, 'readonly')
    await req(tx.objectStore('contacts').get(1))
    await req(tx.objectStore('sessions').get(1))
    await done(tx)
    return now() - t0
  }
  const out: Record<string, number[]> = {
    'all, one by one': [],
    'scoped, one by one': [],
    'all, together': [],
    'read after write': [],
    'read when idle': [],
  }
  const scoped = ['contacts', 'sessions', 'outbox', 'messages']
  const pause = () => new Promise((r) => setTimeout(r, 20))
  for (let i = 0; i < rounds; i++) {
    out['all, one by one']!.push(await write(tables, false, i))
    out['read after write']!.push(await read())
    await pause()
    out['scoped, one by one']!.push(await write(scoped, false, i))
    await pause()
    out['all, together']!.push(await write(tables, true, i))
    await pause()
    out['read when idle']!.push(await read())
    await pause()
  }
  db.close()
  indexedDB.deleteDatabase(name)
  return out
}

const single = await openSingleExtension('idb', { log: (line) => console.log(line) })
try {
  const doc = await OffscreenCdp.attach(single.page.profile.context!, single.page.page)
  const r = (await doc.send(
    'Runtime.evaluate',
    { expression: `(${measure.toString()})(${n})`, awaitPromise: true, returnByValue: true },
    300_000,
  )) as { result: { value: Record<string, number[]> }; exceptionDetails?: unknown }
  if (r.exceptionDetails !== undefined) throw new Error(JSON.stringify(r.exceptionDetails))
  const p = (xs: number[], q: number) =>
    [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!
  console.log(`\nIndexedDB in the offscreen document, ${n} rounds (ms):`)
  for (const [arm, xs] of Object.entries(r.result.value)) {
    console.log(
      `  ${arm.padEnd(20)} p50 ${p(xs, 0.5).toFixed(2).padStart(6)}  p90 ${p(xs, 0.9).toFixed(2).padStart(6)}`,
    )
  }
  await doc.detach()
} finally {
  await single.close()
}
