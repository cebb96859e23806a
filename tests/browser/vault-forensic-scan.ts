// What an attacker with a copy of the profile (or the browser open on it) reads, for the forensic
// tests of issue 17: every record of the extension's IndexedDB databases, read from an extension
// page with the raw IndexedDB API (no Hestia code involved), and every file of the profile
// directory, searched byte for byte for needles (marker texts, a contact name, secret bytes in
// raw, hex, base64 and base64url form).

import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Evaluator } from './support/messenger-browser.ts'

/** A stored value as it crosses from the page: bytes and Blobs as base64, the rest as JSON. */
export type DumpedValue =
  | { kind: 'bytes'; base64: string }
  | { kind: 'json'; json: string }
  | { kind: 'object'; entries: [string, DumpedValue][] }

export interface DumpedStore {
  database: string
  store: string
  keyPath: string | string[] | null
  indexKeyPaths: (string | string[])[]
  rows: { key: DumpedValue; value: DumpedValue }[]
}

/** In the page: every record of `databases`, values converted so they survive serialization. */
async function dumpInPage(databases: string[]): Promise<DumpedStore[]> {
  const toBase64 = (bytes: Uint8Array): string => {
    let binary = ''
    for (let i = 0; i < bytes.length; i += 0x8000)
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(binary)
  }
  const convert = async (value: unknown): Promise<DumpedValue> => {
    if (value instanceof Blob)
      return { kind: 'bytes', base64: toBase64(new Uint8Array(await value.arrayBuffer())) }
    if (value instanceof ArrayBuffer)
      return { kind: 'bytes', base64: toBase64(new Uint8Array(value)) }
    if (ArrayBuffer.isView(value))
      return {
        kind: 'bytes',
        base64: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)),
      }
    if (Array.isArray(value))
      return {
        kind: 'object',
        entries: await Promise.all(
          value.map(async (v, i) => [String(i), await convert(v)] as [string, DumpedValue]),
        ),
      }
    if (typeof value === 'object' && value !== null)
      return {
        kind: 'object',
        entries: await Promise.all(
          Object.entries(value).map(
            async ([k, v]) => [k, await convert(v)] as [string, DumpedValue],
          ),
        ),
      }
    return { kind: 'json', json: JSON.stringify(value) ?? 'undefined' }
  }
  const request = <T>(r: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'))
    })
  const out: DumpedStore[] = []
  const existing = new Set((await indexedDB.databases()).map((d) => d.name))
  for (const database of databases) {
    if (!existing.has(database)) continue
    const db = await request(indexedDB.open(database))
    try {
      for (const store of Array.from(db.objectStoreNames)) {
        const tx = db.transaction(store, 'readonly')
        const objectStore = tx.objectStore(store)
        const keys = await request(objectStore.getAllKeys())
        const values = await request(objectStore.getAll())
        const indexKeyPaths = Array.from(objectStore.indexNames).map(
          (name) => objectStore.index(name).keyPath,
        )
        const rows = []
        for (let i = 0; i < keys.length; i++)
          rows.push({ key: await convert(keys[i]), value: await convert(values[i]) })
        out.push({ database, store, keyPath: objectStore.keyPath, indexKeyPaths, rows })
      }
    } finally {
      db.close()
    }
  }
  return out
}

/** `page`: an extension page (Playwright or Puppeteer), whose origin owns the databases. */
export function dumpDatabases(
  page: Evaluator,
  databases: readonly string[],
): Promise<DumpedStore[]> {
  return page.evaluate(dumpInPage, [...databases])
}

/** The value back in Node form: Uint8Array for bytes, plain objects and arrays otherwise. */
export function revive(value: DumpedValue): unknown {
  if (value.kind === 'bytes') return new Uint8Array(Buffer.from(value.base64, 'base64'))
  if (value.kind === 'json') return value.json === 'undefined' ? undefined : JSON.parse(value.json)
  const entries = value.entries.map(([k, v]) => [k, revive(v)] as const)
  return Object.fromEntries(entries)
}

/** Every byte of a dumped value, strings as UTF-8, in one buffer (keys included). */
function bytesOf(value: DumpedValue): Buffer {
  if (value.kind === 'bytes') return Buffer.from(value.base64, 'base64')
  if (value.kind === 'json') return Buffer.from(value.json)
  return Buffer.concat(value.entries.flatMap(([k, v]) => [Buffer.from(k), bytesOf(v)]))
}

/** A secret's searchable forms: the raw bytes, hex, base64 and base64url (unpadded). */
export function secretForms(name: string, secret: Uint8Array): Needle[] {
  const raw = Buffer.from(secret)
  return [
    { name: `${name} (raw)`, bytes: raw },
    { name: `${name} (hex)`, bytes: Buffer.from(raw.toString('hex')) },
    { name: `${name} (base64)`, bytes: Buffer.from(raw.toString('base64').replace(/=+$/, '')) },
    { name: `${name} (base64url)`, bytes: Buffer.from(raw.toString('base64url')) },
  ]
}

export interface Needle {
  name: string
  bytes: Buffer
}

export function textNeedle(text: string): Needle {
  return { name: JSON.stringify(text), bytes: Buffer.from(text) }
}

/** Records holding any needle: "database/store #row: needle names". */
export function searchDump(dump: readonly DumpedStore[], needles: readonly Needle[]): string[] {
  const found: string[] = []
  for (const store of dump) {
    store.rows.forEach((row, i) => {
      const haystack = Buffer.concat([bytesOf(row.key), bytesOf(row.value)])
      const hits = needles.filter((n) => haystack.includes(n.bytes)).map((n) => n.name)
      if (hits.length > 0) found.push(`${store.database}/${store.store} #${i}: ${hits.join(', ')}`)
    })
  }
  return found
}

/** Files under `dir` holding any needle: "relative path: needle names". */
export async function searchFiles(dir: string, needles: readonly Needle[]): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const bytes = await readFile(path).catch(() => undefined)
    if (bytes === undefined) continue
    const hits = needles.filter((n) => bytes.includes(n.bytes)).map((n) => n.name)
    if (hits.length > 0) found.push(`${path.slice(dir.length)}: ${hits.join(', ')}`)
  }
  return found
}

/** How many rows the dump holds, per "database/store" (to show the scan read something). */
export function rowCounts(dump: readonly DumpedStore[]): Record<string, number> {
  return Object.fromEntries(dump.map((s) => [`${s.database}/${s.store}`, s.rows.length]))
}
