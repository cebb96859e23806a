/**
 * What one mailbox link costs in Node (ADR 0754): a throwaway libp2p node (WebSockets, noise,
 * yamux, no services) built, connected to a local relay and answering its first mailbox request;
 * then the heap and RSS held per connected link, with N links open at once.
 *
 *   node_modules/.bin/node scripts/measure-mailbox-links.ts [N=24]
 */
import { multiaddr } from '@multiformats/multiaddr'
import { MailboxClient } from '@hestia/core/mailbox/client.ts'
import { MAILBOX_PROTOCOL } from '@hestia/core/mailbox/constants.ts'
import type { MailboxNode } from '@hestia/core/messenger/mailbox-links.ts'
import { medianAndMax } from './link-figures.ts'
import {
  createTestMailboxNode,
  startTestRelay,
} from '../tests/integration/support/messenger-harness.ts'

const n = Number(process.argv[2] ?? 24)
const relay = await startTestRelay()
const address = multiaddr(relay.multiaddrs[0])
const settle = async () => {
  globalThis.gc?.()
  await new Promise((r) => setTimeout(r, 200))
  globalThis.gc?.()
  return process.memoryUsage()
}
const nodes: MailboxNode[] = []
const firstAnswerMs: number[] = []
// One warm-up link: module loading and JIT are not a link's cost.
{
  const node = await createTestMailboxNode()
  await new MailboxClient({
    openStream: (o) => node.dialProtocol(address, MAILBOX_PROTOCOL, o),
  }).info()
  await node.stop()
}
const base = await settle()
for (let i = 0; i < n; i++) {
  const t0 = performance.now()
  const node = await createTestMailboxNode()
  const client = new MailboxClient({
    openStream: (o) => node.dialProtocol(address, MAILBOX_PROTOCOL, o),
  })
  await client.info()
  firstAnswerMs.push(performance.now() - t0)
  nodes.push(node)
}
const held = await settle()
const mib = (b: number) => (b / n / 1024 / 1024).toFixed(2)
console.log(
  JSON.stringify({
    links: n,
    firstAnswerMs: medianAndMax(firstAnswerMs),
    perLinkMiB: { heap: mib(held.heapUsed - base.heapUsed), rss: mib(held.rss - base.rss) },
  }),
)
for (const x of nodes) await x.stop()
await relay.stop()
