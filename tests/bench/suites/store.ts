// At-rest encryption figures (issue #17), in Chromium:
//  - store.unlock_ms: unwrapping the data key with the passphrase, Argon2id in a dedicated worker
//    (extension/src/store/kdf-worker.ts) at the parameters calibration chooses on this machine
//    (64 MiB, p=4, t raised toward 500 ms; ADR 0120). Includes starting the worker and compiling
//    the WebAssembly, as a real unlock does. Goal <= 1000 ms.
//  - store.unlock_baseline_ms: the same at the floor (64 MiB, t=3, p=4), for the record.
//  - store.encrypted_read.ratio: list 100 conversations and read a 1,000-message chat (two pages
//    of 500) from the sealed Dexie store vs the plaintext one, interleaved in the same page. The
//    sealed store keeps the rows it opened while unlocked (ADR 0522), as the extension's does.
//  - store.encrypted_read.nomemo_ratio: the same read with the memo off (every row opened, as
//    the first read after an unlock), for the record.
// The page is a plain page on the loopback static server: the worker and the store code are
// bundled with esbuild from the extension's own sources.

import { build } from 'esbuild'
import { repoRoot } from '../../../scripts/build-extension.ts'
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { launchBenchChromium } from '../lib/chromium.ts'
import { interleave } from '../lib/interleave.ts'
import { startStaticServer } from '../lib/static-server.ts'
import { median } from '../lib/stats.ts'

interface Sizes {
  unlocks: number
  readRounds: number
  warmup: number
}

const SIZES: Record<BenchMode, Sizes> = {
  smoke: { unlocks: 1, readRounds: 2, warmup: 1 },
  quick: { unlocks: 5, readRounds: 7, warmup: 1 },
  full: { unlocks: 9, readRounds: 15, warmup: 2 },
}

const WORKER_ENTRY = `import './extension/src/store/kdf-worker.ts'`

const PAGE_ENTRY = `
import { calibrateUnlock, workerKdf } from './extension/src/store/kdf-client.ts'
import { passphraseBytes, UNLOCK_BASELINE } from './core/src/store/at-rest/argon2id.ts'
import { newDataKey, unwrapDataKey, wrapDataKey } from './core/src/store/at-rest/data-key.ts'
import { systemRandom } from './core/src/crypto/platform.ts'
import { openDexieStore } from './extension/src/store/dexie-store.ts'
import { encryptDatabase, sealerFor } from './extension/src/store/at-rest.ts'

const kdf = workerKdf(() => new Worker('/kdf-worker.js', { type: 'module' }))
const passphrase = passphraseBytes('bench passphrase')

async function unlockTimes(count, params) {
  const record = await wrapDataKey(newDataKey(systemRandom), passphrase, { kdf, random: systemRandom, params })
  const times = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await unwrapDataKey(record, passphrase, kdf)
    times.push(performance.now() - started)
  }
  return times
}

const T0 = Date.UTC(2026, 0, 1)
function message(conversationId, i) {
  return {
    messageId: conversationId + '-m' + String(i).padStart(6, '0'), conversationId,
    direction: i % 2 ? 'out' : 'in', senderDeviceId: i % 2 ? null : 'dev',
    body: { kind: 'text', text: 'message ' + i + ' with some ordinary length of text in it, about a line' },
    sentAt: T0 + i * 1000, receivedAt: T0 + i * 1000, delivery: i % 2 ? 'delivered' : null,
    failure: null, readAt: T0 + i * 1000,
  }
}

async function populate(store) {
  for (let c = 0; c < 100; c++) {
    await store.putContact({ contactId: 'contact-' + c, displayName: 'Contact ' + c, identityPublicKey: new Uint8Array(32).fill(c),
      identityKeyId: 'key-' + c, verified: false, blocked: false, keyChange: null, relays: [], inboundMailboxId: 'mb-' + c,
      outboundMailbox: new Uint8Array(40), addedAt: T0, updatedAt: T0 })
    await store.putConversation({ conversationId: 'conv-' + c, contactId: 'contact-' + c, lastMessageId: null, lastActivityAt: T0 + c, unreadCount: 0 })
  }
  for (let i = 0; i < 1000; i += 250)
    await store.addMessages(Array.from({ length: 250 }, (_, k) => message('conv-0', i + k)))
}

let stores
async function setupStores() {
  const plain = await openDexieStore({ name: 'bench-plain' })
  await populate(plain)
  const fast = { memoryKiB: 64, iterations: 1, parallelism: 1 }
  const dataKey = await encryptDatabase(passphrase, { name: 'bench-sealed', kdf, params: fast, floor: fast })
  const sealed = await openDexieStore({ name: 'bench-sealed', sealer: sealerFor(dataKey, { name: 'bench-sealed' }) })
  await populate(sealed)
  // The same sealed database without the opened-rows memo: every read opens every row.
  const nomemo = await openDexieStore({ name: 'bench-sealed', sealer: sealerFor(dataKey, { name: 'bench-sealed', openedRowsBytes: 0 }) })
  stores = { plain, sealed, nomemo }
}

async function readRound(which) {
  const store = stores[which]
  const started = performance.now()
  const list = await store.listConversations(100)
  const first = await store.pageMessages('conv-0', { before: null, limit: 500 })
  const last = first[first.length - 1]
  const second = await store.pageMessages('conv-0', { before: { receivedAt: last.receivedAt, messageId: last.messageId }, limit: 500 })
  const elapsed = performance.now() - started
  if (list.length !== 100 || first.length + second.length !== 1000) throw new Error('read ' + list.length + '/' + (first.length + second.length))
  return elapsed
}

globalThis.hestiaStoreBench = {
  calibrate: () => calibrateUnlock(kdf, 500),
  baseline: UNLOCK_BASELINE,
  unlockTimes,
  setupStores,
  readRound,
}
`

async function bundle(entry: string, name: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: repoRoot, sourcefile: name, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    tsconfigRaw: {},
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error(`esbuild wrote no bundle for ${name}`)
  return output.text
}

// The extension's CSP for pages (ADR 0304), so the bench runs what the extension may run.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"
const PAGE =
  `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}">` +
  '<title>hestia bench store</title><script type="module" src="/page.js"></script>'

interface Params {
  memoryKiB: number
  iterations: number
  parallelism: number
}

interface StoreBenchGlobal {
  hestiaStoreBench: {
    calibrate(): Promise<Params>
    baseline: Params
    unlockTimes(count: number, params: Params): Promise<number[]>
    setupStores(): Promise<void>
    readRound(which: 'plain' | 'sealed' | 'nomemo'): Promise<number>
  }
}

const suite: BenchSuite = {
  prefix: 'store',
  metrics: [
    'store.unlock_ms',
    'store.unlock_baseline_ms',
    'store.encrypted_read.ratio',
    'store.encrypted_read.nomemo_ratio',
  ],
  async run({ mode, log, signal }) {
    const sizes = SIZES[mode]
    const [worker, page] = await Promise.all([
      bundle(WORKER_ENTRY, 'bench-kdf-worker.ts'),
      bundle(PAGE_ENTRY, 'bench-store-page.ts'),
    ])
    const server = await startStaticServer({
      routes: { '/store.html': PAGE, '/page.js': page, '/kdf-worker.js': worker },
    })
    const chromium = await launchBenchChromium()
    const release = (): void => void chromium.close().catch(() => undefined)
    signal?.addEventListener('abort', release, { once: true })
    try {
      const tab = await chromium.browser.newPage()
      const errors: string[] = []
      tab.on('pageerror', (error) => errors.push(error.message))
      tab.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
      await tab.goto(server.url('/store.html'))
      await tab.waitForFunction(() => 'hestiaStoreBench' in globalThis, undefined, {
        timeout: 20_000,
      })
      if (errors.length > 0) throw new Error(`store bench page: ${errors.join('; ')}`)

      const params = await tab.evaluate(() =>
        (globalThis as unknown as StoreBenchGlobal).hestiaStoreBench.calibrate(),
      )
      log(
        `  store: calibrated Argon2id m=${params.memoryKiB} KiB t=${params.iterations} p=${params.parallelism}`,
      )
      const unlocks = await tab.evaluate(
        ([count, chosen]) =>
          (globalThis as unknown as StoreBenchGlobal).hestiaStoreBench.unlockTimes(count, chosen),
        [sizes.unlocks, params] as const,
      )
      const baseline = await tab.evaluate(
        ([count]) => {
          const bench = (globalThis as unknown as StoreBenchGlobal).hestiaStoreBench
          return bench.unlockTimes(count, bench.baseline)
        },
        [sizes.unlocks] as const,
      )
      log(
        `  store: unlock ${unlocks.map((ms) => ms.toFixed(0)).join(', ')} ms; baseline ${baseline.map((ms) => ms.toFixed(0)).join(', ')} ms`,
      )

      await tab.evaluate(() =>
        (globalThis as unknown as StoreBenchGlobal).hestiaStoreBench.setupStores(),
      )
      const reads = await interleave(
        {
          plain: () =>
            tab.evaluate(() =>
              (globalThis as unknown as StoreBenchGlobal).hestiaStoreBench.readRound('plain'),
            ),
          sealed: () =>
            tab.evaluate(() =>
              (globalThis as unknown as StoreBenchGlobal).hestiaStoreBench.readRound('sealed'),
            ),
          nomemo: () =>
            tab.evaluate(() =>
              (globalThis as unknown as StoreBenchGlobal).hestiaStoreBench.readRound('nomemo'),
            ),
        },
        { repetitions: sizes.readRounds, warmup: sizes.warmup },
      )
      log(
        `  store: read plain ${reads.median.plain.toFixed(1)} ms, sealed ${reads.median.sealed.toFixed(1)} ms, sealed without the memo ${reads.median.nomemo.toFixed(1)} ms`,
      )
      if (errors.length > 0) throw new Error(`store bench page: ${errors.join('; ')}`)

      const metrics: Record<string, Metric> = {
        'store.unlock_ms': { value: median(unlocks), unit: 'ms', goal: '<= 1000 ms' },
        'store.unlock_baseline_ms': { value: median(baseline), unit: 'ms' },
        'store.encrypted_read.plain_ms': { value: reads.median.plain, unit: 'ms' },
        'store.encrypted_read.sealed_ms': {
          value: reads.median.sealed,
          unit: 'ms',
          baseline: 'store.encrypted_read.plain_ms',
          goal: 'ratio <= 1.3',
        },
        'store.encrypted_read.ratio': {
          value: reads.median.sealed / reads.median.plain,
          unit: 'ratio',
          goal: '<= 1.3',
        },
        // Without the opened-rows memo (ADR 0522): what a first read after unlock costs per row.
        'store.encrypted_read.nomemo_ratio': {
          value: reads.median.nomemo / reads.median.plain,
          unit: 'ratio',
        },
      }
      return metrics
    } finally {
      signal?.removeEventListener('abort', release)
      await chromium.close()
      await server.close()
    }
  },
}

export default suite
