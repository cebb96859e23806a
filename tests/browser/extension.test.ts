// The built extension in real browsers: Debian Chromium (chrome-mv3, node in the offscreen
// document) and Firefox ESR (firefox-mv2, node in the persistent background page).
// The two browsers run concurrently, so their 2-minute idle waits overlap.
//
//   node --test tests/browser/extension.test.ts      (builds build/*-test first if stale)
//
// Screenshots go to tests/artifacts/ (git-ignored).

import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Page as PlaywrightPage } from 'playwright-core'
import type { Page as PuppeteerPage } from 'puppeteer-core'
import { firefoxAddonId } from '../../plasmo.config.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import {
  launchChromium,
  launchFirefox,
  type LaunchedChromium,
  type LaunchedFirefox,
} from '../../scripts/browsers.ts'
import {
  IPC_CHANNEL,
  type NodeStatus,
  type PingResult,
} from '../../extension/src/host-control/protocol.ts'
import { parseReply, resultParsers } from '../../extension/src/host-control/validate.ts'
import { freshTestBuild } from './support/fresh-build.ts'
import { startPingPeer, type PingPeer } from './support/ping-peer.ts'
import { stopServiceWorkers } from './support/stop-service-worker.ts'

/** The idle period the node must survive with no extension page open. */
const idleMs = Number(process.env.HESTIA_BROWSER_IDLE_MS ?? 120_000)
const artifacts = join(repoRoot, 'tests', 'artifacts')
const peerIdPattern = /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/

/** Sends one envelope from inside an extension page, as the popup would. */
type SendFromPage = (envelope: unknown) => Promise<unknown>

function envelope(request: Record<string, unknown>, to = 'background'): Record<string, unknown> {
  return { channel: IPC_CHANNEL, to, id: crypto.randomUUID(), request }
}

async function askStatus(send: SendFromPage): Promise<NodeStatus> {
  const reply = parseReply(await send(envelope({ kind: 'node.status' })))
  assert.ok(reply.ok, `status request failed: ${JSON.stringify(reply)}`)
  return resultParsers['node.status'](reply.result)
}

async function askPing(send: SendFromPage, multiaddr: string): Promise<PingResult> {
  const reply = parseReply(await send(envelope({ kind: 'node.ping', multiaddr })))
  assert.ok(reply.ok, `ping request failed: ${JSON.stringify(reply)}`)
  return resultParsers['node.ping'](reply.result)
}

async function assertRejectsBadMessages(send: SendFromPage): Promise<void> {
  const unknown = parseReply(await send(envelope({ kind: 'node.self-destruct' })))
  assert.deepEqual(unknown.ok ? 'accepted' : unknown.error.code, 'unknown_request')
  const extraField = parseReply(await send(envelope({ kind: 'node.status', admin: true })))
  assert.deepEqual(extraField.ok ? 'accepted' : extraField.error.code, 'malformed_message')
  const badAddress = parseReply(await send(envelope({ kind: 'node.ping', multiaddr: 42 })))
  assert.deepEqual(badAddress.ok ? 'accepted' : badAddress.error.code, 'malformed_message')
}

function assertNodeUp(status: NodeStatus, nodeHome: string): void {
  assert.match(status.peerId, peerIdPattern)
  assert.equal(status.started, true)
  assert.equal(status.nodeHome, nodeHome)
  assert.equal(status.rtcPeerConnection, true, 'RTCPeerConnection must exist where the node lives')
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

let pingPeer: PingPeer

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    pingPeer = await startPingPeer()
  },
  { timeout: 30_000 },
)

after(async () => {
  await pingPeer?.stop()
})

describe('the built extension in real browsers', { concurrency: true }, () => {
  describe('Chromium: chrome-mv3, node in the offscreen document', { concurrency: 1 }, () => {
    let chromium: LaunchedChromium | undefined
    let popup: PlaywrightPage
    let firstPeerId = ''

    const send: SendFromPage = (message) =>
      popup.evaluate(
        (m) =>
          (
            globalThis as unknown as {
              chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } }
            }
          ).chrome.runtime.sendMessage(m),
        message,
      )

    async function openPopup(): Promise<PlaywrightPage> {
      if (chromium === undefined) throw new Error('Chromium did not start')
      const page = await chromium.context.newPage()
      await page.goto(chromium.extensionUrl('popup.html'), { timeout: 15_000 })
      return page
    }

    before(
      async () => {
        chromium = await launchChromium({ extensionDir: await freshTestBuild('chrome-mv3') })
        popup = await openPopup()
      },
      // Includes building the test extension when stale: minutes on a loaded machine.
      { timeout: 720_000 },
    )
    after(async () => {
      await chromium?.close()
    })

    test('the popup renders the node status', { timeout: 30_000 }, async () => {
      // Collapsed under the first-run form ("Node diagnostics"); asks the host once opened.
      await popup.getByTestId('node-status').locator('summary').click({ timeout: 20_000 })
      const peerId = popup.getByTestId('peer-id')
      await peerId.waitFor({ timeout: 20_000 })
      assert.match(await peerId.innerText(), peerIdPattern)
      assert.equal(await popup.getByTestId('node-home').innerText(), 'offscreen-document')
      await popup.screenshot({ path: join(artifacts, 'popup-chromium.png') })
    })

    test(
      'the offscreen document runs a libp2p node that has RTCPeerConnection; the worker has none',
      { timeout: 30_000 },
      async () => {
        const status = await askStatus(send)
        assertNodeUp(status, 'offscreen-document')
        firstPeerId = status.peerId
        assert.equal(await popup.getByTestId('peer-id').innerText(), status.peerId)
        const inWorker = await chromium!.serviceWorker.evaluate(() => typeof RTCPeerConnection)
        assert.equal(inWorker, 'undefined')
      },
    )

    test('the node pings a libp2p peer on loopback (test build)', { timeout: 30_000 }, async () => {
      const { rttMs } = await askPing(send, pingPeer.address)
      assert.ok(rttMs >= 0 && rttMs < 5_000, `rtt ${rttMs} ms`)
    })

    test('unknown and malformed messages are rejected', { timeout: 30_000 }, async () => {
      await assertRejectsBadMessages(send)
    })

    const stopServiceWorker = (): Promise<void> => stopServiceWorkers(chromium!.context, popup)

    test(
      'a stopped service worker restarts and reaches the same node',
      { timeout: 60_000 },
      async () => {
        await stopServiceWorker()
        // The popup's next message wakes a new worker, which finds the existing offscreen document.
        const status = await askStatus(send)
        assert.equal(status.peerId, firstPeerId, 'the node outlived the worker')
      },
    )

    test(
      `after ${idleMs / 1000} s idle with no popup open, the node still answers`,
      { timeout: idleMs + 90_000 },
      async () => {
        const before = await askStatus(send)
        // No worker and no extension page: only the offscreen document may keep the node.
        await stopServiceWorker()
        // Leave every extension page (one blank tab stays: the last closed tab ends Chromium).
        await popup.goto('about:blank')
        for (const page of chromium!.context.pages()) if (page !== popup) await page.close()
        await sleep(idleMs)
        await popup.goto(chromium!.extensionUrl('popup.html'), { timeout: 15_000 })
        await popup.getByTestId('node-status').locator('summary').click({ timeout: 20_000 })
        const status = await askStatus(send)
        assertNodeUp(status, 'offscreen-document')
        assert.equal(status.peerId, before.peerId, 'same node, not a restarted one')
        assert.ok(status.uptimeMs >= before.uptimeMs + idleMs - 1_000)
        const { rttMs } = await askPing(send, pingPeer.address)
        assert.ok(rttMs >= 0)
        await popup.getByTestId('peer-id').waitFor({ timeout: 20_000 })
        assert.equal(await popup.getByTestId('peer-id').innerText(), before.peerId)
      },
    )

    test(
      'a closed offscreen document is recreated with a running node',
      { timeout: 60_000 },
      async () => {
        const worker = chromium!.context.serviceWorkers()[0] ?? chromium!.serviceWorker
        await worker.evaluate(() =>
          (
            globalThis as unknown as { chrome: { offscreen: { closeDocument(): Promise<void> } } }
          ).chrome.offscreen.closeDocument(),
        )
        const status = await askStatus(send)
        assertNodeUp(status, 'offscreen-document')
        assert.ok(status.uptimeMs < 30_000, 'a new node started')
      },
    )
  })

  describe(
    'Firefox: firefox-mv2, node in the persistent background page',
    { concurrency: 1 },
    () => {
      let firefox: LaunchedFirefox | undefined
      let popup: PuppeteerPage

      const send: SendFromPage = (message) =>
        popup.evaluate(
          (m) =>
            (
              globalThis as unknown as {
                browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } }
              }
            ).browser.runtime.sendMessage(m),
          message,
        )

      before(
        async () => {
          firefox = await launchFirefox({
            extensionDir: await freshTestBuild('firefox-mv2'),
            addonId: firefoxAddonId,
          })
          // Test builds open the popup page in a tab at install (BiDi may not navigate there).
          popup = await firefox.findPage(firefox.extensionUrl('popup.html'), 30_000)
        },
        // Includes building the test extension when stale: minutes on a loaded machine.
        { timeout: 720_000 },
      )
      after(async () => {
        await firefox?.close()
      })

      test('the popup renders the node status', { timeout: 30_000 }, async () => {
        const summary = await popup.waitForSelector('[data-testid=node-status] summary', {
          timeout: 20_000,
        })
        await summary?.click()
        const peerId = await popup.waitForSelector('[data-testid=peer-id]', { timeout: 20_000 })
        assert.match((await peerId?.evaluate((e) => e.textContent)) ?? '', peerIdPattern)
        const home = await popup.$eval('[data-testid=node-home]', (e) => e.textContent)
        assert.equal(home, 'background-page')
        await popup.screenshot({ path: join(artifacts, 'popup-firefox.png') })
      })

      test(
        'the background page runs a libp2p node that has RTCPeerConnection',
        { timeout: 30_000 },
        async () => {
          assertNodeUp(await askStatus(send), 'background-page')
        },
      )

      test(
        'the node pings a libp2p peer on loopback (test build)',
        { timeout: 30_000 },
        async () => {
          const { rttMs } = await askPing(send, pingPeer.address)
          assert.ok(rttMs >= 0 && rttMs < 5_000, `rtt ${rttMs} ms`)
        },
      )

      test('unknown and malformed messages are rejected', { timeout: 30_000 }, async () => {
        await assertRejectsBadMessages(send)
      })

      test(
        `after ${idleMs / 1000} s idle with no popup open, the node still answers`,
        { timeout: idleMs + 90_000 },
        async () => {
          const before = await askStatus(send)
          const popupUrl = firefox!.extensionUrl('popup.html')
          // Leave the extension: with the back-forward cache off, no extension page stays alive.
          await popup.goto('about:blank', { timeout: 15_000 })
          for (const page of await firefox!.browser.pages()) {
            const href = await page.evaluate(() => location.href).catch(() => '')
            assert.ok(!href.startsWith('moz-extension:'), `extension page still open: ${href}`)
          }
          await sleep(idleMs)
          // BiDi refuses to navigate to moz-extension:// but history may go back there.
          await popup.evaluate(() => history.back())
          popup = await firefox!.findPage(popupUrl, 15_000)
          const status = await askStatus(send)
          assertNodeUp(status, 'background-page')
          assert.equal(status.peerId, before.peerId, 'same node, not a restarted one')
          assert.ok(status.uptimeMs >= before.uptimeMs + idleMs - 1_000)
          const { rttMs } = await askPing(send, pingPeer.address)
          assert.ok(rttMs >= 0)
        },
      )
    },
  )
})
