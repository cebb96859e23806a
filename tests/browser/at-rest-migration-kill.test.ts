// Turning at-rest encryption on is crash-safe in a real browser (issue 17, ADR 0521): Chromium is
// killed (SIGKILL to its whole process group) at several moments while encryptDatabase rewrites a
// plaintext database of ~3,000 rows, then started again on the same profile. Each time the
// database must be either the old plaintext one or the new sealed one — never a mix — and the
// messenger must read exactly the history it had.
//
//   node --test tests/browser/at-rest-migration-kill.test.ts

import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { build } from 'esbuild'
import { chromium, type Browser, type Page } from 'playwright-core'
import { chromiumFlags, chromiumPath } from '../../scripts/browsers.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { startStaticServer } from '../bench/lib/static-server.ts'

const PAGE_ENTRY = `
import { Dexie } from 'dexie'
import { openDexieStore } from './extension/src/store/dexie-store.ts'
import { encryptDatabase, readKeyring, sealerFor, unlockDataKey } from './extension/src/store/at-rest.ts'
import { DATABASE_NAME, declareSchema } from './extension/src/store/schema.ts'
import { hashWasmArgon2id } from './core/src/store/at-rest/argon2id.ts'

const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const PASSPHRASE = new TextEncoder().encode('kill test passphrase')
const T0 = Date.UTC(2026, 0, 1)
const CONTACTS = 10
const MESSAGES = 280

async function populate() {
  const store = await openDexieStore()
  await store.putIdentity({ displayName: 'Me', identityPublicKey: new Uint8Array(32).fill(1), secretKeys: new Uint8Array(64).fill(0xab),
    deviceId: 'dev-self', deviceCertificate: new Uint8Array([1]), createdAt: T0 })
  for (let c = 0; c < CONTACTS; c++) {
    await store.putContact({ contactId: 'contact-' + c, displayName: 'Friend ' + c, identityPublicKey: new Uint8Array(32).fill(c),
      identityKeyId: 'key-' + c, verified: c % 2 === 0, blocked: false, keyChange: null, relays: [], inboundMailboxId: 'mb-' + c,
      outboundMailbox: new Uint8Array(40), addedAt: T0, updatedAt: T0 })
    await store.putConversation({ conversationId: 'conv-' + c, contactId: 'contact-' + c, lastMessageId: null, lastActivityAt: T0 + c, unreadCount: 0 })
    for (let i = 0; i < MESSAGES; i += 140)
      await store.addMessages(Array.from({ length: 140 }, (_, k) => ({
        messageId: 'conv-' + c + '-m' + String(i + k).padStart(6, '0'), conversationId: 'conv-' + c, direction: (i + k) % 2 ? 'out' : 'in',
        senderDeviceId: (i + k) % 2 ? null : 'dev', body: { kind: 'text', text: 'history line ' + (i + k) + ' with Friend ' + c },
        sentAt: T0 + (i + k) * 1000, receivedAt: T0 + (i + k) * 1000, delivery: (i + k) % 2 ? 'delivered' : null, failure: null, readAt: null })))
  }
  await store.close()
}

async function view(store) {
  const out = { identity: await store.getIdentity(), contacts: await store.listContacts(), conversations: await store.listConversations(100), pages: [] }
  for (let c = 0; c < CONTACTS; c++) out.pages.push(await store.pageMessages('conv-' + c, { before: null, limit: 500 }), await store.countUnread('conv-' + c))
  return JSON.stringify(out, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v))
}

async function plainView() {
  const store = await openDexieStore()
  try { return await view(store) } finally { await store.close() }
}

/** Counts rows with and without a sealed part, over every table but the keyring. */
async function rowStates() {
  const db = new Dexie(DATABASE_NAME, { autoOpen: false })
  declareSchema(db)
  await db.open()
  try {
    let sealed = 0, plain = 0
    for (const table of db.tables) {
      if (table.name === 'keyring') continue
      for (const row of await table.toArray()) 'sealed' in row ? sealed++ : plain++
    }
    return { sealed, plain }
  } finally { db.close() }
}

globalThis.killTest = {
  populate,
  plainView,
  rowStates,
  start() {
    globalThis.migrationStarted = performance.now()
    globalThis.migration = encryptDatabase(PASSPHRASE, { kdf: hashWasmArgon2id, params: FAST, floor: FAST })
      .then(() => (globalThis.migrationMs = performance.now() - globalThis.migrationStarted))
  },
  finished: () => globalThis.migrationMs,
  async inspect() {
    const keyring = (await readKeyring()) !== undefined
    const rows = await rowStates()
    let seen
    if (keyring) {
      const key = await unlockDataKey(PASSPHRASE, { kdf: hashWasmArgon2id })
      const store = await openDexieStore({ sealer: sealerFor(key) })
      try { seen = await view(store) } finally { await store.close() }
    } else seen = await plainView()
    return { keyring, rows, view: seen }
  },
}
`

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>kill</title><script type="module" src="/page.js"></script>'

interface KillTestGlobal {
  killTest: {
    populate(): Promise<void>
    plainView(): Promise<string>
    start(): void
    finished(): number | undefined
    inspect(): Promise<{ keyring: boolean; rows: { sealed: number; plain: number }; view: string }>
  }
}

interface Running {
  browser: Browser
  page: Page
  process: ChildProcess
}

/** Chromium on `profile` with a DevTools port, driven over CDP, killable as a process group. */
async function launch(profile: string, url: string): Promise<Running> {
  const child = spawn(
    chromiumPath,
    [...chromiumFlags, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let text = ''
    const timer = setTimeout(
      () => reject(new Error(`no DevTools URL from Chromium: ${text}`)),
      20_000,
    )
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', () => reject(new Error(`Chromium exited: ${text}`)))
  })
  const browser = await chromium.connectOverCDP(wsUrl)
  const context = browser.contexts()[0] ?? (await browser.newContext())
  const page = await context.newPage()
  await page.goto(url)
  await page.waitForFunction(() => 'killTest' in globalThis, undefined, { timeout: 20_000 })
  return { browser, page, process: child }
}

function kill(running: Running): Promise<void> {
  return new Promise((resolve) => {
    running.process.once('exit', () => resolve())
    if (running.process.pid !== undefined) process.kill(-running.process.pid, 'SIGKILL')
  })
}

async function stop(running: Running): Promise<void> {
  await running.browser.close().catch(() => undefined)
  if (running.process.exitCode === null) await kill(running)
}

type Method = keyof KillTestGlobal['killTest']

/** Calls one of the page's killTest methods and returns what it returns. */
async function call<M extends Method>(
  page: Page,
  method: M,
): Promise<Awaited<ReturnType<KillTestGlobal['killTest'][M]>>> {
  const result: unknown = await page.evaluate(
    (name: string) =>
      (globalThis as unknown as Record<string, Record<string, () => unknown>>)['killTest']![
        name
      ]!(),
    method as string,
  )
  return result as Awaited<ReturnType<KillTestGlobal['killTest'][M]>>
}

test('encrypting the database: Chromium killed mid-migration leaves old or new, never a mix', async (t) => {
  const bundle = await build({
    stdin: { contents: PAGE_ENTRY, resolveDir: repoRoot, sourcefile: 'kill-page.ts', loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    tsconfigRaw: {},
  })
  const server = await startStaticServer({
    routes: { '/kill.html': PAGE, '/page.js': bundle.outputFiles[0]!.text },
  })
  const profiles: string[] = []
  try {
    // How long a whole migration takes on this machine, in a throwaway profile.
    const probeProfile = await mkdtemp(join(tmpdir(), 'hestia-kill-probe-'))
    profiles.push(probeProfile)
    const probe = await launch(probeProfile, server.url('/kill.html'))
    let migrationMs: number
    try {
      await call(probe.page, 'populate')
      await call(probe.page, 'start')
      await probe.page.waitForFunction(
        () => (globalThis as unknown as KillTestGlobal).killTest.finished() !== undefined,
        undefined,
        { timeout: 60_000 },
      )
      migrationMs = (await call(probe.page, 'finished'))!
    } finally {
      await stop(probe)
    }
    t.diagnostic(`a whole migration took ${migrationMs.toFixed(0)} ms`)

    const outcomes: string[] = []
    // Fractions of the probe's duration; 'done' kills right after the migration reported success.
    for (const fraction of [0, 0.15, 0.3, 0.5, 0.7, 0.9, 1.2, 'done'] as const) {
      const profile = await mkdtemp(join(tmpdir(), 'hestia-kill-'))
      profiles.push(profile)
      const first = await launch(profile, server.url('/kill.html'))
      let before: string
      try {
        await call(first.page, 'populate')
        before = await call(first.page, 'plainView')
        await call(first.page, 'start')
        if (fraction === 'done')
          await first.page.waitForFunction(
            () => (globalThis as unknown as KillTestGlobal).killTest.finished() !== undefined,
            undefined,
            { timeout: 60_000 },
          )
        else await new Promise((resolve) => setTimeout(resolve, fraction * migrationMs))
      } finally {
        await kill(first)
      }
      const second = await launch(profile, server.url('/kill.html'))
      try {
        const after = await call(second.page, 'inspect')
        const state = after.keyring ? 'new' : 'old'
        outcomes.push(
          `${fraction}: ${state} (${after.rows.sealed} sealed, ${after.rows.plain} plain)`,
        )
        if (after.keyring)
          assert.equal(
            after.rows.plain,
            0,
            `kill at ${fraction}: plaintext rows left in the sealed database`,
          )
        else
          assert.equal(
            after.rows.sealed,
            0,
            `kill at ${fraction}: sealed rows in the plaintext database`,
          )
        assert.ok(after.rows.sealed + after.rows.plain > 2800)
        assert.deepEqual(
          JSON.parse(after.view),
          JSON.parse(before),
          `kill at ${fraction}: the messenger reads the same history`,
        )
        if (fraction === 'done')
          assert.equal(state, 'new', 'a finished migration survives the kill')
      } finally {
        await stop(second)
      }
    }
    t.diagnostic(outcomes.join('; '))
  } finally {
    await server.close()
    for (const profile of profiles) await rm(profile, { recursive: true, force: true })
  }
})
