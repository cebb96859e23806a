// A browser back from a restart (issues #20, #21; ADR 0775): how long after its relaunch a text
// that waited in its mailbox is readable in its page.
//
// restart.mailbox_read_ms: the pair of lib/extension-pair.ts (A and B contacts, one relay in this
// process). A's Chromium is closed; B sends a text (no direct connection: it goes to A's mailbox
// on the relay; B waits until it is `sent`). A's browser is launched again with the same profile
// and its tab page opened; the figure runs from the launch call to the first `messages.page`
// answer in A's page that holds the text (polled every 100 ms). It includes Chromium's own start,
// the offscreen document, the store, the node, the mailbox drain and the page's first answers:
// what the person waits for after opening the browser. smoke 1 round, quick 3, full 5; median.

import type { BenchMode, BenchSuite } from '../types.ts'
import { openClientPage, openExtensionPair } from '../lib/extension-pair.ts'
import { percentile } from '../lib/stats.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

const ROUNDS: Record<BenchMode, number> = { smoke: 1, quick: 3, full: 5 }
const WAIT_MS = 120_000

const suite: BenchSuite = {
  prefix: 'restart',
  metrics: ['restart.mailbox_read_ms'],
  async run({ mode, log, signal }) {
    const pair = await openExtensionPair({ log, signal })
    try {
      const samples: number[] = []
      for (let round = 1; round <= ROUNDS[mode]; round++) {
        if (signal?.aborted === true) throw new Error('restart suite aborted')
        const text = `while away ${round} ${Date.now()}`
        await pair.a.profile.close()
        const { message } = await pair.b.must({
          type: 'messages.send',
          conversationId: pair.conversationB,
          text,
        })
        await waitUntil(
          `B's text ${round} to be accepted by A's mailbox`,
          async () => {
            const page = await pair.b.must({
              type: 'messages.page',
              conversationId: pair.conversationB,
              before: null,
              limit: 20,
            })
            const mine = page.messages.find((m) => m.messageId === message.messageId)
            return mine?.delivery === 'sent' || mine?.delivery === 'delivered'
          },
          WAIT_MS,
          100,
        )
        const launched = Date.now()
        await pair.a.profile.launch()
        const a = await openClientPage(pair.a.profile)
        await waitUntil(
          `the text ${round} in A's page after the restart`,
          async () => {
            const list = await a.request({ type: 'conversations.list', query: null })
            if (!list.ok) return false
            for (const c of list.value.conversations) {
              const page = await a.request({
                type: 'messages.page',
                conversationId: c.conversationId,
                before: null,
                limit: 20,
              })
              if (page.ok && page.value.messages.some((m) => JSON.stringify(m.body).includes(text)))
                return true
            }
            return false
          },
          WAIT_MS,
          100,
        )
        samples.push(Date.now() - launched)
        log(`  restart #${round}: the text read in A's page ${samples.at(-1)} ms after the launch`)
      }
      return { 'restart.mailbox_read_ms': { value: percentile(samples, 50), unit: 'ms' } }
    } finally {
      await pair.close()
    }
  },
}

export default suite
