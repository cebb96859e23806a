/**
 * What one mailbox link costs in Chromium (ADR 0754): the extension's own `createMailboxNode`
 * (extension/src/node/create-node.ts) bundled into a page, N links built one after another to a
 * local relay, each answering one mailbox request; then the page's JS heap per open link.
 *
 *   node_modules/.bin/node scripts/measure-mailbox-links-browser.ts [N=12]
 */
import { build } from 'esbuild'
import { join } from 'node:path'
import { startTestRelay } from '../tests/integration/support/messenger-harness.ts'
import { medianAndMax } from './link-figures.ts'
import { launchBenchChromium } from '../tests/bench/lib/chromium.ts'
import { startStaticServer } from '../tests/bench/lib/static-server.ts'

const n = Number(process.argv[2] ?? 12)
const root = join(import.meta.dirname, '..')
const entry = `
import { createMailboxNode } from './extension/src/node/create-node.ts'
import { MailboxClient } from './core/src/mailbox/client.ts'
import { MAILBOX_PROTOCOL } from './core/src/mailbox/constants.ts'
import { multiaddr } from '@multiformats/multiaddr'
const heap = () => { globalThis.gc?.(); return performance.memory.usedJSHeapSize }
globalThis.measure = async (relay, n) => {
  const address = multiaddr(relay)
  const link = async () => {
    const node = await createMailboxNode({ allowLoopbackRelays: true })
    await new MailboxClient({ openStream: (o) => node.dialProtocol(address, MAILBOX_PROTOCOL, o) }).info()
    return node
  }
  await (await link()).stop() // warm-up: code loading is not a link's cost
  const before = heap()
  const nodes = []
  const ms = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    nodes.push(await link())
    ms.push(performance.now() - t0)
  }
  await new Promise((r) => setTimeout(r, 500))
  const after = heap()
  for (const node of nodes) await node.stop()
  return { ms, heapPerLinkBytes: (after - before) / n }
}
`
const bundle = await build({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  logLevel: 'error',
})
const relay = await startTestRelay()
const server = await startStaticServer({
  routes: {
    '/m.html': '<!doctype html><script type="module" src="/m.js"></script>',
    '/m.js': bundle.outputFiles[0]!.contents,
  },
})
const chromium = await launchBenchChromium([
  '--enable-precise-memory-info',
  '--js-flags=--expose-gc',
])
try {
  const page = await chromium.browser.newPage()
  await page.goto(server.url('/m.html'))
  await page.waitForFunction(() => 'measure' in globalThis)
  const result = await page.evaluate(
    ([r, count]) =>
      (
        globalThis as unknown as {
          measure: (r: string, n: number) => Promise<{ ms: number[]; heapPerLinkBytes: number }>
        }
      ).measure(r, count),
    [relay.multiaddrs[0] ?? '', n] as const,
  )
  console.log(
    JSON.stringify({
      links: n,
      firstAnswerMs: medianAndMax(result.ms),
      heapPerLinkMiB: (result.heapPerLinkBytes / 1024 / 1024).toFixed(2),
    }),
  )
} finally {
  await chromium.close()
  await server.close()
  await relay.stop()
}
