// What a copy of the browser profile shows (issue 17's forensic check, at the storage layer): the
// profile's files on disk are searched byte for byte for message text, a contact name, a contact's
// identity key id and a PeerId after the browser closed.
//  - Passphrase set before any data (first run): nothing, in Chromium and Firefox.
//  - Passphrase set later (encryptDatabase over a plaintext database): the rows are sealed, but
//    old plaintext can stay in the browser's storage files — Chromium's LevelDB log and tables
//    until LevelDB compacts them, Firefox's SQLite free pages until they are reused (seen in some
//    runs, not others). No IndexedDB call can force either (in Chromium not even deleting the
//    database), so the remnants are reported as a diagnostic; ADR 0521 says what the UI must say.
//
//   node --test tests/browser/at-rest-forensic.test.ts

import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import puppeteer from 'puppeteer-core'
import {
  chromiumFlags,
  chromiumPath,
  firefoxPath,
  firefoxTestPrefs,
} from '../../scripts/browsers.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { startStaticServer, type StaticServer } from '../bench/lib/static-server.ts'

const NEEDLES = [
  'QUOKKA-MARKER-TEXT',
  'Zanzibar-Contact',
  'identity-key-id-zanzibar',
  '12D3KooWZanzibarPeer',
]

const PAGE_ENTRY = `
import { openDexieStore } from './extension/src/store/dexie-store.ts'
import { encryptDatabase, sealerFor, unlockDataKey } from './extension/src/store/at-rest.ts'
import { hashWasmArgon2id } from './core/src/store/at-rest/argon2id.ts'

const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const PASSPHRASE = new TextEncoder().encode('forensic')

async function fill(store) {
  for (let c = 0; c < 5; c++) {
    await store.putContact({ contactId: 'c' + c, displayName: 'Zanzibar-Contact ' + c, identityPublicKey: new Uint8Array(32).fill(c),
      identityKeyId: 'identity-key-id-zanzibar' + c, verified: true, blocked: false, keyChange: null, relays: [],
      inboundMailboxId: 'mb' + c, outboundMailbox: null, addedAt: 1, updatedAt: 1 })
    await store.putDevice({ ownerId: 'c' + c, deviceId: '12D3KooWZanzibarPeer' + c, certificate: new Uint8Array([1]), addedAt: 1, expiresAt: 2, lastSeenAt: null })
    await store.putConversation({ conversationId: 'conv' + c, contactId: 'c' + c, lastMessageId: null, lastActivityAt: c, unreadCount: 0 })
    await store.addMessages(Array.from({ length: 200 }, (_, i) => ({ messageId: 'conv' + c + '-m' + i, conversationId: 'conv' + c,
      direction: 'in', senderDeviceId: 'd', body: { kind: 'text', text: 'QUOKKA-MARKER-TEXT ' + i }, sentAt: i, receivedAt: i,
      delivery: null, failure: null, readAt: null })))
  }
  await store.close()
}

globalThis.forensic = {
  async firstRun() {
    const key = await encryptDatabase(PASSPHRASE, { kdf: hashWasmArgon2id, params: FAST, floor: FAST })
    await fill(await openDexieStore({ sealer: sealerFor(key) }))
  },
  async plaintext() {
    await fill(await openDexieStore())
  },
  async encryptLater() {
    await encryptDatabase(PASSPHRASE, { kdf: hashWasmArgon2id, params: FAST, floor: FAST })
  },
  async readBack() {
    const store = await openDexieStore({ sealer: sealerFor(await unlockDataKey(PASSPHRASE, { kdf: hashWasmArgon2id })) })
    try {
      return (await store.pageMessages('conv4', { before: null, limit: 500 })).length
    } finally {
      await store.close()
    }
  },
}
`

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>forensic</title><script type="module" src="/page.js"></script>'

/** Files under `dir` holding any needle, with the needles found. */
async function scan(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const bytes = await readFile(path).catch(() => undefined)
    if (bytes === undefined) continue
    const hits = NEEDLES.filter((needle) => bytes.includes(Buffer.from(needle)))
    if (hits.length > 0) found.push(`${path.slice(dir.length)}: ${hits.join(', ')}`)
  }
  return found
}

async function pageServer(): Promise<StaticServer> {
  const result = await build({
    stdin: {
      contents: PAGE_ENTRY,
      resolveDir: repoRoot,
      sourcefile: 'forensic-page.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    tsconfigRaw: {},
  })
  return startStaticServer({
    crossOriginIsolated: false,
    routes: { '/f.html': PAGE, '/page.js': result.outputFiles[0]!.text },
  })
}

type Step = 'firstRun' | 'plaintext' | 'encryptLater' | 'readBack'
/** Runs each step in a fresh browser session on `profile` (the browser closes in between). */
type Session = (profile: string, step: Step) => Promise<unknown>

function chromiumSession(server: StaticServer): Session {
  return async (profile, step) => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [...chromiumFlags],
    })
    try {
      const page = await context.newPage()
      await page.goto(server.url('/f.html'))
      await page.waitForFunction(() => 'forensic' in globalThis, undefined, { timeout: 20_000 })
      return await page.evaluate(
        (name) =>
          (globalThis as unknown as Record<string, Record<string, () => unknown>>)['forensic']![
            name
          ]!(),
        step,
      )
    } finally {
      await context.close()
    }
  }
}

function firefoxSession(server: StaticServer): Session {
  return async (profile, step) => {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: { ...firefoxTestPrefs },
    })
    try {
      const page = await browser.newPage()
      await page.goto(server.url('/f.html'))
      await page.waitForFunction(() => 'forensic' in globalThis, { timeout: 20_000 })
      return await page.evaluate(
        (name) =>
          (globalThis as unknown as Record<string, Record<string, () => unknown>>)['forensic']![
            name
          ]!(),
        step,
      )
    } finally {
      await browser.close()
    }
  }
}

async function withProfile<T>(work: (profile: string) => Promise<T>): Promise<T> {
  const profile = await mkdtemp(join(tmpdir(), 'hestia-forensic-'))
  try {
    return await work(profile)
  } finally {
    await rm(profile, { recursive: true, force: true })
  }
}

for (const [browserName, sessionFor] of [
  ['Chromium', chromiumSession],
  ['Firefox', firefoxSession],
] as const) {
  test(`${browserName}: a profile encrypted from the first run holds no plaintext on disk`, async () => {
    const server = await pageServer()
    try {
      const session = sessionFor(server)
      await withProfile(async (profile) => {
        await session(profile, 'firstRun')
        assert.equal(
          await session(profile, 'readBack'),
          200,
          'the data is there, readable with the passphrase',
        )
        assert.deepEqual(await scan(profile), [])
      })
    } finally {
      await server.close()
    }
  })

  test(`${browserName}: after encrypting an existing database, what stays on disk`, async (t) => {
    const server = await pageServer()
    try {
      const session = sessionFor(server)
      await withProfile(async (profile) => {
        await session(profile, 'plaintext')
        assert.notDeepEqual(
          await scan(profile),
          [],
          'the plaintext database is on disk (the scan can find it)',
        )
        await session(profile, 'encryptLater')
        assert.equal(await session(profile, 'readBack'), 200)
        const left = await scan(profile)
        t.diagnostic(
          `${browserName} remnants after encrypting: ${left.length === 0 ? 'none' : left.join('; ')}`,
        )
      })
    } finally {
      await server.close()
    }
  })
}
