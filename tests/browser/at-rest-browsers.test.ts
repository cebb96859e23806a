// At-rest pieces in both real browsers, in a plain page under the extension's page CSP
// (default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; ADR 0304): Argon2id in its dedicated
// worker gives the same key as Node, and the sealed Dexie store is encrypted, reopened after a
// reload with the passphrase, and read back (blind lookups included), while the raw rows hold no
// name, key id or PeerId. (The extension build itself is wired next session, with the UI.)
//
//   node --test tests/browser/at-rest-browsers.test.ts

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import puppeteer from 'puppeteer-core'
import { toHex } from '../../core/src/crypto/bytes.ts'
import { hashWasmArgon2id, passphraseBytes } from '../../core/src/store/at-rest/argon2id.ts'
import {
  chromiumFlags,
  chromiumPath,
  firefoxPath,
  firefoxTestPrefs,
} from '../../scripts/browsers.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { startStaticServer, type StaticServer } from '../bench/lib/static-server.ts'

const PAGE_ENTRY = `
import { workerKdf } from './extension/src/store/kdf-client.ts'
import { passphraseBytes } from './core/src/store/at-rest/argon2id.ts'
import { openDexieStore } from './extension/src/store/dexie-store.ts'
import { encryptDatabase, sealerFor, unlockDataKey } from './extension/src/store/at-rest.ts'
import { DATABASE_NAME, declareSchema } from './extension/src/store/schema.ts'
import { Dexie } from 'dexie'

const kdf = workerKdf(() => new Worker('/kdf-worker.js', { type: 'module' }))
const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

globalThis.atRest = {
  async derive(passphrase, params) {
    return hex(await kdf(passphraseBytes(passphrase), new Uint8Array(16).fill(9), params))
  },
  async setUp() {
    const key = await encryptDatabase(passphraseBytes('pw'), { kdf, params: FAST, floor: FAST })
    const store = await openDexieStore({ sealer: sealerFor(key) })
    await store.putContact({ contactId: 'c1', displayName: 'Adelaide', identityPublicKey: new Uint8Array(32),
      identityKeyId: 'key-id-adelaide', verified: true, blocked: false, keyChange: null, relays: [],
      inboundMailboxId: 'mailbox-adelaide', outboundMailbox: null, addedAt: 1, updatedAt: 1 })
    await store.putDevice({ ownerId: 'c1', deviceId: '12D3KooWAdelaidePeer', certificate: new Uint8Array([1]),
      addedAt: 1, expiresAt: 2, lastSeenAt: null })
    await store.close()
  },
  async reopen(passphrase) {
    try {
      await openDexieStore()
      return { locked: false }
    } catch (error) {
      if (error.name !== 'StoreLockedError') throw error
    }
    let key
    try {
      key = await unlockDataKey(passphraseBytes(passphrase), { kdf })
    } catch (error) {
      return { locked: true, error: error.code }
    }
    const store = await openDexieStore({ sealer: sealerFor(key) })
    try {
      const contact = await store.getContactByIdentityKey('key-id-adelaide')
      const devices = await store.listDevices('c1')
      return { locked: true, name: contact?.displayName, verified: contact?.verified, devices: devices.map((d) => d.deviceId) }
    } finally {
      await store.close()
    }
  },
  async raw() {
    const db = new Dexie(DATABASE_NAME, { autoOpen: false })
    declareSchema(db)
    await db.open()
    try {
      const rows = []
      for (const table of db.tables) rows.push(...(await table.toArray()))
      return JSON.stringify(rows, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v))
    } finally {
      db.close()
    }
  },
}
`

const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"
const PAGE = `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}"><title>at rest</title><script type="module" src="/page.js"></script>`

async function bundle(contents: string, name: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: repoRoot, sourcefile: name, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    tsconfigRaw: {},
  })
  return result.outputFiles[0]!.text
}

/** The steps every browser runs: `evaluate` runs a method of the page's `atRest` object. */
type Evaluate = (method: string, ...args: unknown[]) => Promise<unknown>
type Reload = () => Promise<void>

async function checkBrowser(evaluate: Evaluate, reload: Reload): Promise<void> {
  const params = { memoryKiB: 65536, iterations: 3, parallelism: 4 }
  const expected = toHex(
    await hashWasmArgon2id(passphraseBytes('correct horse ✓'), new Uint8Array(16).fill(9), params),
  )
  assert.equal(
    await evaluate('derive', 'correct horse ✓', params),
    expected,
    'worker Argon2id = Node Argon2id',
  )

  await evaluate('setUp')
  await reload()
  assert.deepEqual(await evaluate('reopen', 'wrong'), { locked: true, error: 'wrong_passphrase' })
  assert.deepEqual(await evaluate('reopen', 'pw'), {
    locked: true,
    name: 'Adelaide',
    verified: true,
    devices: ['12D3KooWAdelaidePeer'],
  })
  const raw = (await evaluate('raw')) as string
  for (const needle of ['Adelaide', 'key-id-adelaide', 'mailbox-adelaide', '12D3KooWAdelaidePeer'])
    assert.equal(raw.includes(needle), false, `${needle} in the raw rows`)
}

async function pageServer(): Promise<StaticServer> {
  const [page, worker] = await Promise.all([
    bundle(PAGE_ENTRY, 'at-rest-page.ts'),
    bundle(`import './extension/src/store/kdf-worker.ts'`, 'kdf-worker.ts'),
  ])
  return startStaticServer({
    crossOriginIsolated: false,
    routes: { '/at-rest.html': PAGE, '/page.js': page, '/kdf-worker.js': worker },
  })
}

test('Chromium: worker Argon2id and the sealed store under the extension CSP', async () => {
  const server = await pageServer()
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumFlags],
  })
  try {
    const page = await browser.newPage()
    const open = async () => {
      await page.goto(server.url('/at-rest.html'))
      await page.waitForFunction(() => 'atRest' in globalThis, undefined, { timeout: 20_000 })
    }
    await open()
    await checkBrowser(
      (method, ...args) =>
        page.evaluate(
          ([name, values]) =>
            (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[
              'atRest'
            ]![name]!(...values),
          [method, args] as const,
        ),
      open,
    )
  } finally {
    await browser.close()
    await server.close()
  }
})

test('Firefox: worker Argon2id and the sealed store under the extension CSP', async () => {
  const server = await pageServer()
  const profile = await mkdtemp(join(tmpdir(), 'hestia-at-rest-ff-'))
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: { ...firefoxTestPrefs },
  })
  try {
    const page = await browser.newPage()
    const open = async () => {
      await page.goto(server.url('/at-rest.html'))
      await page.waitForFunction(() => 'atRest' in globalThis, { timeout: 20_000 })
    }
    await open()
    await checkBrowser(
      (method, ...args) =>
        page.evaluate(
          (name, values) =>
            (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[
              'atRest'
            ]![name]!(...values),
          method,
          args,
        ),
      open,
    )
  } finally {
    await browser.close()
    await server.close()
    await rm(profile, { recursive: true, force: true })
  }
})
