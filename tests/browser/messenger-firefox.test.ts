// Chromium ↔ Firefox: the built extension in Chromium (chrome-mv3, node in the offscreen
// document) and in Firefox ESR (firefox-mv2, node in the persistent background page), one relay
// in this process on 127.0.0.1. Driven through the client API over runtime ports from each
// browser's extension page (the UI is covered by messenger-e2e.test.ts).
//
//   node --test tests/browser/messenger-firefox.test.ts
//
// Proves: a chat between the two browsers both ways with delivery receipts, first through the
// mailbox and then over a direct WebRTC connection that carries messages with the relay stopped.
// Firefox runs with the loopback ICE prefs of FINDINGS.md (test profiles only).

import assert from 'node:assert/strict'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Page as PuppeteerPage } from 'puppeteer-core'
import type {
  ChatMessage,
  ClientRequest,
  DeliveryState,
  ResponseFor,
} from '../../core/src/client/api.ts'
import { firefoxAddonId } from '../../plasmo.config.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { launchFirefox, type LaunchedFirefox } from '../../scripts/browsers.ts'
import { snapshotTestBuild } from './support/fresh-build.ts'
import { overlappingControls, qrFromPng, sidewaysOverflow } from './ui-layout.ts'
import {
  sha256OfFile,
  tempDir,
  writeDeterministicFile,
} from '../integration/support/files-storage.ts'
import {
  ChromiumProfile,
  TestRelay,
  addedAt,
  clientRequest,
  eventsIn,
  logEventsIn,
  mustOk,
  relayReady,
  textOf,
  waitUntil,
  type Evaluator,
  type HestiaPage,
  type LoggedEvent,
} from './support/messenger-browser.ts'

const artifacts = join(repoRoot, 'tests', 'artifacts', 'messenger-e2e')
const DELIVERY_MS = 45_000
const rank: Record<DeliveryState, number> = { queued: 0, failed: 0, sent: 1, delivered: 2, read: 3 }

/** One side of the chat, whichever browser it runs in. */
interface Side {
  readonly name: string
  api<T extends ClientRequest>(request: T): Promise<ResponseFor<T>>
  must<T extends ClientRequest>(request: T): Promise<Extract<ResponseFor<T>, { ok: true }>['value']>
  logEvents(): Promise<void>
  events(): Promise<LoggedEvent[]>
}

function sideOf(name: string, page: Evaluator): Side {
  return {
    name,
    api: (request) => clientRequest(page, request),
    must: async (request) => mustOk(name, request, await clientRequest(page, request)),
    logEvents: () => logEventsIn(page),
    events: () => eventsIn(page),
  }
}

let relay: TestRelay
let builds: { dir: string; remove: () => Promise<void> }[] = []
let chromiumProfile: ChromiumProfile
let firefox: LaunchedFirefox | undefined
let chromiumPage: HestiaPage
let firefoxPage: PuppeteerPage
let c: Side
let f: Side
let convC = ''
let convF = ''
const latencies: string[] = []

async function find(
  side: Side,
  conversationId: string,
  text: string,
): Promise<ChatMessage | undefined> {
  const { messages } = await side.must({
    type: 'messages.page',
    conversationId,
    before: null,
    limit: 200,
  })
  return messages.find((m) => textOf(m) === text)
}

async function waitForText(side: Side, conversationId: string, text: string, ms = DELIVERY_MS) {
  await waitUntil(
    `${side.name} to have "${text}"`,
    async () => (await find(side, conversationId, text)) !== undefined,
    ms,
    200,
  )
}

async function waitForState(
  side: Side,
  conversationId: string,
  text: string,
  atLeast: DeliveryState,
  ms = DELIVERY_MS,
): Promise<void> {
  await waitUntil(
    `${side.name}'s "${text}" to be ${atLeast}`,
    async () => {
      const m = await find(side, conversationId, text)
      return m?.delivery != null && rank[m.delivery] >= rank[atLeast]
    },
    ms,
    200,
  )
}

/** Sends through the API and returns the time it was asked (same clock as the pages). */
async function send(side: Side, conversationId: string, text: string): Promise<number> {
  const at = Date.now()
  await side.must({ type: 'messages.send', conversationId, text })
  return at
}

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    const chromeBuild = await snapshotTestBuild('chrome-mv3')
    const firefoxBuild = await snapshotTestBuild('firefox-mv2')
    builds = [chromeBuild, firefoxBuild]
    const [chromeDir, firefoxDir] = [chromeBuild.dir, firefoxBuild.dir]
    relay = await TestRelay.start()
    chromiumProfile = await ChromiumProfile.create('Chromium', chromeDir)
    await chromiumProfile.launch()
    chromiumPage = await chromiumProfile.open()
    firefox = await launchFirefox({ extensionDir: firefoxDir, addonId: firefoxAddonId })
    // Test builds open the messenger page in a tab at install (BiDi may not navigate there).
    firefoxPage = await firefox.findPage(firefox.extensionUrl('popup.html'), 30_000)
    c = sideOf('Chromium', chromiumPage.page)
    f = sideOf('Firefox', firefoxPage as unknown as Evaluator)
  },
  { timeout: 720_000 },
)

after(async () => {
  if (latencies.length > 0) console.log(`measured latencies:\n  ${latencies.join('\n  ')}`)
  await Promise.allSettled([chromiumProfile?.destroy(), firefox?.close()])
  await relay?.destroy()
  await Promise.allSettled(builds.map((b) => b.remove()))
})

describe('a chat between Chromium and Firefox', { concurrency: 1 }, () => {
  test(
    'identities, relay, invite from Chromium accepted in Firefox',
    { timeout: 120_000 },
    async () => {
      await c.must({ type: 'identity.create', displayName: 'Cleo on Chromium' })
      await f.must({ type: 'identity.create', displayName: 'Finn on Firefox' })
      await c.must({ type: 'settings.addRelay', address: relay.address })
      await f.must({ type: 'settings.addRelay', address: relay.address })
      await Promise.all([relayReady(c, 30_000), relayReady(f, 30_000)])
      await Promise.all([c.logEvents(), f.logEvents()])
      const invite = await c.must({ type: 'invite.mine' })
      const accepted = await f.must({ type: 'invite.accept', invite: invite.link })
      assert.equal(accepted.contact.displayName, 'Cleo on Chromium')
      convF = accepted.contact.conversationId
      await waitUntil(
        'Chromium to see Finn',
        async () =>
          (await c.must({ type: 'conversations.list', query: null })).conversations.length === 1,
        DELIVERY_MS,
        250,
      )
      convC = (await c.must({ type: 'conversations.list', query: null })).conversations[0]!
        .conversationId
    },
  )

  test(
    'Add contact in Firefox at 360×480, 400×600 and 800×600: no overlap, the QR code reads (#23)',
    { timeout: 120_000 },
    async () => {
      const page = firefoxPage
      await page.waitForSelector('[aria-label="Add a contact"]', { timeout: 30_000 })
      for (const size of [
        { width: 360, height: 480 },
        { width: 400, height: 600 },
        { width: 800, height: 600 },
      ]) {
        const tag = `${size.width}x${size.height}`
        await page.setViewport(size)
        await page.waitForFunction(
          (fit) =>
            document.querySelector('[data-testid="hestia-app"]')?.getAttribute('data-fit') === fit,
          { timeout: 10_000 },
          size.width < 800 ? 'window' : null,
        )
        if ((await page.$('[data-testid="add-contact"]')) === null)
          await page.click('[aria-label="Add a contact"]')
        await page.waitForSelector('[data-testid="qr-code"]')
        const link = await page.$eval('[data-testid="my-invite-link"]', (el) =>
          el instanceof HTMLInputElement ? el.value : '',
        )
        assert.match(link, /^hestia:i\//)
        assert.ok(link.length <= 300, `the invite is ${link.length} characters`)
        assert.deepEqual(await overlappingControls(page, '[data-testid="add-contact"]'), [], tag)
        assert.equal(await sidewaysOverflow(page), 0, `${tag}: nothing scrolls sideways`)
        await page.screenshot({ path: join(artifacts, `firefox-add-contact-${tag}.png`) })
        await page.evaluate(() =>
          [...document.querySelectorAll('button')]
            .find((b) => b.textContent?.trim() === 'Show larger')
            ?.click(),
        )
        await page.waitForSelector('[data-testid="qr-large"]')
        const png = await page.screenshot({ encoding: 'base64' })
        await page.screenshot({ path: join(artifacts, `firefox-add-contact-large-${tag}.png`) })
        // Decoded in a blank Chromium page: the extension page's CSP (default-src 'none') refuses
        // data: images.
        const scratch = await chromiumProfile.context!.newPage()
        try {
          assert.equal(
            await qrFromPng(scratch, png),
            link.toUpperCase(),
            `${tag}: the large code decodes`,
          )
        } finally {
          await scratch.close()
        }
        await page.keyboard.press('Escape')
        await page.waitForSelector('[data-testid="qr-large"]', { hidden: true })
      }
    },
  )

  test('messages both ways, then direct with the relay stopped', { timeout: 180_000 }, async () => {
    const first = 'Hello from Firefox (through the mailbox).'
    const firstAt = await send(f, convF, first)
    await waitForText(c, convC, first)
    latencies.push(
      `mailbox Firefox→Chromium (initiator's first message): ${addedAt(await c.events(), first)! - firstAt} ms`,
    )
    const reply = 'Hello from Chromium.'
    await send(c, convC, reply)
    await waitForText(f, convF, reply)
    await waitForState(f, convF, first, 'delivered')
    await waitForState(c, convC, reply, 'delivered')

    let round = 0
    await waitUntil(
      'a direct WebRTC connection between Chromium and Firefox',
      async () => {
        const [sc, sf] = await Promise.all([
          c.must({ type: 'connectivity.status' }),
          f.must({ type: 'connectivity.status' }),
        ])
        if (sc.directPeers >= 1 && sf.directPeers >= 1) return true
        const text = `warm-up ${++round}`
        await send(c, convC, text)
        await waitForText(f, convF, text)
        return false
      },
      60_000,
      500,
    )

    await relay.stop()
    const toFirefox = 'Chromium → Firefox, no relay.'
    const toFirefoxAt = await send(c, convC, toFirefox)
    await waitForText(f, convF, toFirefox, 20_000)
    latencies.push(
      `direct Chromium→Firefox, relay stopped: ${addedAt(await f.events(), toFirefox)! - toFirefoxAt} ms`,
    )
    await waitForState(c, convC, toFirefox, 'delivered', DELIVERY_MS)
    const toChromium = 'Firefox → Chromium, no relay.'
    const toChromiumAt = await send(f, convF, toChromium)
    await waitForText(c, convC, toChromium, 20_000)
    latencies.push(
      `direct Firefox→Chromium, relay stopped: ${addedAt(await c.events(), toChromium)! - toChromiumAt} ms`,
    )
    await waitForState(f, convF, toChromium, 'delivered', DELIVERY_MS)
    await chromiumPage.screenshot(join(artifacts, '11-chromium-with-firefox.png'))
    await firefoxPage.screenshot({ path: join(artifacts, '12-firefox-with-chromium.png') })
  })

  test(
    'a file from Chromium is saved in Firefox, byte-identical',
    { timeout: 180_000 },
    async () => {
      // The relay is still stopped: the file can only go directly. Above the 16 MiB mailbox cap.
      await sendFile({
        name: 'minutes.pdf',
        size: 20 * 1024 * 1024,
        route: 'Chromium→Firefox',
        // Chromium picks it in the chat (staging, offer), as a user does.
        pick: async (path) => {
          await chromiumPage.page
            .getByTestId('conversation-row')
            .filter({ hasText: 'Finn' })
            .click()
          await chromiumPage.page.locator('input.file-input').setInputFiles(path)
        },
        receiver: f,
        conversation: convF,
        // Firefox's background page saved it through the downloads API into Hestia/.
        savedPath: () => {
          if (firefox === undefined) throw new Error('Firefox is not running')
          return Promise.resolve(join(firefox.downloadDir, 'Hestia', 'minutes.pdf'))
        },
      })
    },
  )

  test(
    'a file picked in Firefox is saved in Chromium, byte-identical',
    { timeout: 180_000 },
    async () => {
      const size = 18 * 1024 * 1024
      await sendFile({
        name: 'slides.key',
        size,
        route: 'Firefox→Chromium',
        // Firefox's page stages it (IndexedDB copy of the File) and offers it, as a user does.
        pick: async (path) => {
          await firefoxPage.locator('[data-testid="conversation-row"]').click()
          const input = await firefoxPage.waitForSelector('input.file-input', { timeout: 15_000 })
          if (input === null) throw new Error('no file input in Firefox')
          await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path)
        },
        receiver: c,
        conversation: convC,
        // Chromium saved it through the downloads API (Playwright names the file by a GUID).
        savedPath: async () => {
          const worker = chromiumProfile.context?.serviceWorkers()[0]
          if (worker === undefined) throw new Error('Chromium has no service worker')
          const items = await worker.evaluate(async () => {
            type Item = { filename: string; fileSize: number; state: string }
            type Api = { downloads: { search(q: object): Promise<Item[]> } }
            return (globalThis as unknown as { chrome: Api }).chrome.downloads.search({})
          })
          return items.find((d) => d.state === 'complete' && d.fileSize === size)?.filename ?? ''
        },
      })
    },
  )
})

/**
 * One file through the UI of one browser to the other: picked, offered, accepted through the
 * client API, completed, and found byte-identical where the receiving browser saved it.
 */
async function sendFile(o: {
  name: string
  size: number
  route: string
  pick(path: string): Promise<void>
  receiver: Side
  conversation: string
  savedPath(): Promise<string>
}): Promise<void> {
  const dir = tempDir('hestia-firefox-file-')
  try {
    const path = join(dir, o.name)
    const sha = await writeDeterministicFile(path, o.size, `${o.route} ${o.name}`)
    await o.pick(path)
    const listed = async () =>
      (await o.receiver.must({ type: 'transfers.list', conversationId: o.conversation })).transfers
    let transferId = ''
    await waitUntil(
      `the offer at ${o.receiver.name}`,
      async () => {
        transferId =
          (await listed()).find((t) => t.direction === 'in' && t.state === 'offered')?.transferId ??
          ''
        return transferId !== ''
      },
      DELIVERY_MS,
      250,
    )
    const acceptedAt = Date.now()
    await o.receiver.must({ type: 'transfer.accept', transferId })
    await waitUntil(
      `the file completed at ${o.receiver.name}`,
      async () => {
        const t = (await listed()).find((x) => x.transferId === transferId)
        if (t?.state === 'failed') throw new Error(`failed: ${JSON.stringify(t.error)}`)
        return t?.state === 'completed'
      },
      120_000,
      250,
    )
    latencies.push(
      `file ${o.size / (1024 * 1024)} MiB ${o.route}, direct: ${Date.now() - acceptedAt} ms after accept`,
    )
    await waitUntil(
      'the saved file, byte-identical',
      async () => (await sha256OfFile(await o.savedPath()).catch(() => '')) === sha,
      20_000,
      250,
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
