// 1:1 calls end to end in real browsers (issue 8): the built extension (chrome-mv3, test mode) in
// two Chromium profiles with fake camera and microphone (scripts/browsers.ts flags), a relay in
// this process on 127.0.0.1. Identities, relay and contact are set up through the client API
// (the messenger e2e covers those screens); the call itself goes through the UI: the chat header's
// "Video call" button, the call windows the extension opens, their Accept / Mute / Hang up buttons.
//
//   flock /tmp/browser.lock node --test tests/browser/calls-e2e.test.ts   (builds if stale)
//
// Proves: the call connects and both sides decode remote video frames and receive audio packets;
// mute stops the audio the contact receives (and unmute brings it back); hang-up ends both sides
// and both histories hold a completed call with its duration; a DTLS fingerprint bound wrongly in
// the E2EE signalling (test-build hook in the callee's window) makes the caller refuse the call
// (ended, reason failed, the sentence shown). Logs the setup time: call start (the click) → first
// decoded remote frame, on each side. Firefox is not covered here.

import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import type { CallInfo, ChatMessage } from '../../core/src/client/api.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { ChromiumTestbed, launchAndOpen } from './support/chromium-testbed.ts'
import type { HestiaPage, ChromiumProfile, TestRelay } from './support/messenger-browser.ts'
import { relayReady, sleep, waitUntil } from './support/messenger-browser.ts'

const artifacts = join(repoRoot, 'tests', 'artifacts', 'calls-e2e')
const STEP_MS = 15_000
/** From "Accept" to decoded frames on both sides (ICE on loopback, DTLS, first key frame). */
const MEDIA_MS = 30_000
const CALL_PAGE = 'tabs/call.html'

interface RtpSummary {
  inboundVideoFramesDecoded: number
  inboundAudioPackets: number
  inboundAudioLevel: number | null
  outboundAudioPackets: number
  outboundVideoFrames: number
  connectionState: string | null
  dtlsRole: string | null
}
interface CallTimings {
  mediaStartedAt: number | null
  localSentAt: number | null
  remoteAppliedAt: number | null
  connectedAt: number | null
  firstFrameAt: number | null
}

/** The window's steps relative to `t0`, for the log. */
function steps(t: CallTimings, t0: number): string {
  const at = (x: number | null) => (x === null ? '-' : `${x - t0}`)
  return `media ${at(t.mediaStartedAt)}, sdp sent ${at(t.localSentAt)}, remote sdp applied ${at(t.remoteAppliedAt)}, connected ${at(t.connectedAt)}, first frame ${at(t.firstFrameAt)} ms`
}
type CallHook = {
  __hestiaCallTest?: {
    hooks: { tamperBoundFingerprint: boolean }
    rtp(): Promise<RtpSummary>
    timings(): CallTimings
  }
}

const bed = new ChromiumTestbed()
let relay: TestRelay
let profileA: ChromiumProfile
let profileB: ChromiumProfile
let a: HestiaPage
let b: HestiaPage
let convA = ''
let convB = ''
const figures: string[] = []
/** Per window: whether getStats reported the contact's certificate (it matched) or nothing. */
const certificateChecks: string[] = []
const windows: Page[] = []
/** Console output of the call windows, printed when a test fails. */
const consoleLines: string[] = []

async function diagnose(): Promise<string> {
  const lines = [...consoleLines]
  for (const w of windows) {
    if (w.isClosed()) continue
    const state = await w
      .getByTestId('call-window')
      .getAttribute('data-state')
      .catch(() => '?')
    const error = await w
      .getByTestId('call-error')
      .textContent({ timeout: 200 })
      .catch(() => '')
    const stats = await rtp(w).catch((e: unknown) => String(e))
    lines.push(`${w.url()}: state ${state} error "${error}" rtp ${JSON.stringify(stats)}`)
  }
  return lines.join('\n')
}

/** The next call window this profile opens (the host opens one per call). */
function nextCallWindow(profile: ChromiumProfile): Promise<Page> {
  return profile
    .context!.waitForEvent('page', {
      predicate: (p) => p.url().includes(CALL_PAGE),
      timeout: STEP_MS,
    })
    .then(async (page) => {
      windows.push(page)
      page.on('console', (m) => consoleLines.push(`${profile.name} ${m.type()}: ${m.text()}`))
      page.on('pageerror', (e) => consoleLines.push(`${profile.name} page error: ${e.message}`))
      await page.waitForFunction(
        () => (globalThis as CallHook).__hestiaCallTest !== undefined,
        null,
        { timeout: STEP_MS },
      )
      return page
    })
}

async function rtp(page: Page): Promise<RtpSummary> {
  return page.evaluate(() => (globalThis as CallHook).__hestiaCallTest!.rtp())
}

async function timings(page: Page): Promise<CallTimings> {
  return page.evaluate(() => (globalThis as CallHook).__hestiaCallTest!.timings())
}

async function windowState(page: Page): Promise<string | null> {
  return page.getByTestId('call-window').getAttribute('data-state', { timeout: STEP_MS })
}

async function waitForWindowState(page: Page, state: CallInfo['state'], ms = STEP_MS) {
  try {
    await page
      .locator(`[data-testid="call-window"][data-state="${state}"]`)
      .waitFor({ timeout: ms })
  } catch (error) {
    const [ca, cb] = await Promise.all([
      a.api({ type: 'call.current' }),
      b.api({ type: 'call.current' }),
    ])
    throw new Error(
      `call window not ${state}:\n${await diagnose()}\nA: ${JSON.stringify(ca)}\nB: ${JSON.stringify(cb)}`,
      { cause: error },
    )
  }
}

async function callEntries(page: HestiaPage, conversationId: string): Promise<ChatMessage[]> {
  const { messages } = await page.must({
    type: 'messages.page',
    conversationId,
    before: null,
    limit: 200,
  })
  return messages.filter((m) => m.body.kind === 'call')
}

async function openChat(page: HestiaPage, contactName: string): Promise<void> {
  await page.page.reload()
  await page.page
    .getByTestId('conversation-row')
    .filter({ hasText: contactName })
    .click({ timeout: STEP_MS })
  await page.page.getByRole('heading', { name: contactName }).waitFor({ timeout: STEP_MS })
}

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    ;[profileA, profileB] = await bed.start(['Alice', 'Bob'])
    relay = bed.relay
    ;[a, b] = await launchAndOpen([profileA, profileB])
    await Promise.all([
      a.must({ type: 'identity.create', displayName: 'Alice' }),
      b.must({ type: 'identity.create', displayName: 'Bob' }),
    ])
    await Promise.all([
      a.must({ type: 'settings.addRelay', address: relay.address }),
      b.must({ type: 'settings.addRelay', address: relay.address }),
    ])
    await Promise.all([relayReady(a, 30_000), relayReady(b, 30_000)])
    const { link } = await a.must({ type: 'invite.mine' })
    convB = (await b.must({ type: 'invite.accept', invite: link })).contact.conversationId
    // One message each way: both sessions confirmed (signalling may then go direct).
    await b.must({ type: 'messages.send', conversationId: convB, text: 'hi Alice' })
    await waitUntil(
      'A knows B',
      async () => {
        const list = (await a.must({ type: 'conversations.list', query: null })).conversations
        convA = list[0]?.conversationId ?? ''
        return list[0]?.lastMessage?.text === 'hi Alice'
      },
      30_000,
    )
    await a.must({ type: 'messages.send', conversationId: convA, text: 'hi Bob' })
    await waitUntil(
      'B has the reply',
      async () => {
        const list = (await b.must({ type: 'conversations.list', query: null })).conversations
        return list[0]?.lastMessage?.text === 'hi Bob'
      },
      30_000,
    )
  },
  { timeout: 600_000 },
)

after(async () => {
  if (certificateChecks.length > 0)
    figures.push(`presented certificate (caller, callee): ${certificateChecks.join(', ')}`)
  if (figures.length > 0) console.log(`call figures:\n  ${figures.join('\n  ')}`)
  await bed.destroy()
})

describe('calls between two Chromium profiles', { concurrency: 1 }, () => {
  let callerWindow: Page
  let calleeWindow: Page

  test(
    'a video call from the chat header connects; both sides decode frames and hear audio',
    {
      timeout: 90_000,
    },
    async () => {
      await openChat(a, 'Bob')
      const aWindow = nextCallWindow(profileA)
      const bWindow = nextCallWindow(profileB)
      const startedAt = Date.now()
      await a.page.getByRole('button', { name: 'Video call' }).click()
      callerWindow = await aWindow
      calleeWindow = await bWindow
      const rangAt = Date.now()
      await calleeWindow.getByText('Incoming video call').waitFor({ timeout: STEP_MS })
      // Both windows say what a direct call exposes: the caller's, and the ringing one (#23).
      await callerWindow.getByTestId('ip-notice').waitFor({ timeout: STEP_MS })
      assert.match(
        await calleeWindow.getByTestId('ip-notice').innerText({ timeout: STEP_MS }),
        /reveals your IP address/,
      )
      const acceptedAt = Date.now()
      await calleeWindow.getByRole('button', { name: 'Accept' }).click()

      await waitUntil(
        'both windows decode video and receive audio',
        async () => {
          if (Date.now() - acceptedAt > MEDIA_MS - 500) console.log(await diagnose())
          const [x, y] = await Promise.all([rtp(callerWindow), rtp(calleeWindow)])
          return (
            x.inboundVideoFramesDecoded > 0 &&
            y.inboundVideoFramesDecoded > 0 &&
            x.inboundAudioPackets > 0 &&
            y.inboundAudioPackets > 0
          )
        },
        MEDIA_MS,
        100,
      )
      await waitForWindowState(callerWindow, 'active')
      await waitForWindowState(calleeWindow, 'active')

      // Both windows show both fingerprints, and each checked the certificate it was presented.
      const [callA, callB] = await Promise.all([
        a.must({ type: 'call.current' }),
        b.must({ type: 'call.current' }),
      ])
      assert.ok(callA.call !== null && callB.call !== null)
      assert.equal(callA.call.localDtlsFingerprint, callB.call.remoteDtlsFingerprint)
      assert.equal(callB.call.localDtlsFingerprint, callA.call.remoteDtlsFingerprint)
      assert.match(callA.call.localDtlsFingerprint ?? '', /^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
      for (const [page, call] of [
        [callerWindow, callA.call],
        [calleeWindow, callB.call],
      ] as const) {
        assert.equal(
          await page.getByTestId('local-fingerprint').textContent(),
          call.localDtlsFingerprint,
        )
        assert.equal(
          await page.getByTestId('remote-fingerprint').textContent(),
          call.remoteDtlsFingerprint,
        )
        // Check 2 (certificate from getStats) ran: matched, or the browser did not report it.
        await page
          .locator('[data-testid="fingerprint-checked"], [data-testid="fingerprint-unreported"]')
          .waitFor({ timeout: STEP_MS })
        const reported = await page.getByTestId('fingerprint-checked').count()
        certificateChecks.push(reported > 0 ? 'matched' : 'not reported by Chromium')
      }

      // The answerer is the DTLS server: the caller starts the handshake once it has the answer.
      assert.equal((await rtp(callerWindow)).dtlsRole, 'client')
      assert.equal((await rtp(calleeWindow)).dtlsRole, 'server')
      const [tA, tB] = await Promise.all([timings(callerWindow), timings(calleeWindow)])
      assert.ok(tA.firstFrameAt !== null && tB.firstFrameAt !== null)
      figures.push(
        `setup, click "Video call" → first decoded frame at the caller: ${tA.firstFrameAt - startedAt} ms`,
        `setup, click "Video call" → first decoded frame at the callee: ${tB.firstFrameAt - startedAt} ms`,
        `  of which: click → both call windows open ${rangAt - startedAt} ms; ` +
          `click "Accept" → first frame at the caller ${tA.firstFrameAt - acceptedAt} ms, ` +
          `at the callee ${tB.firstFrameAt - acceptedAt} ms`,
        `  caller steps from the click: ${steps(tA, startedAt)}`,
        `  callee steps from the click: ${steps(tB, startedAt)} (Accept at ${acceptedAt - startedAt} ms)`,
      )
      await callerWindow.screenshot({ path: join(artifacts, '01-caller-active.png') })
      await calleeWindow.screenshot({ path: join(artifacts, '02-callee-active.png') })
    },
  )

  test(
    'mute stops the audio the contact receives; unmute brings it back',
    {
      timeout: 30_000,
    },
    async () => {
      const growth = async (page: Page, ms: number) => {
        const before = (await rtp(page)).inboundAudioPackets
        await sleep(ms)
        return (await rtp(page)).inboundAudioPackets - before
      }
      assert.ok((await growth(calleeWindow, 1_000)) > 10, 'audio flows before mute')
      await callerWindow.getByRole('button', { name: 'Mute' }).click()
      await callerWindow.getByRole('button', { name: 'Unmute' }).waitFor({ timeout: STEP_MS })
      await sleep(500) // packets already in flight
      const sentBefore = (await rtp(callerWindow)).outboundAudioPackets
      const receivedWhileMuted = await growth(calleeWindow, 1_500)
      const sentWhileMuted = (await rtp(callerWindow)).outboundAudioPackets - sentBefore
      assert.ok(receivedWhileMuted <= 2, `B still received ${receivedWhileMuted} audio packets`)
      assert.ok(sentWhileMuted <= 2, `A still sent ${sentWhileMuted} audio packets`)
      assert.equal((await b.must({ type: 'call.current' })).call?.state, 'active')
      await callerWindow.getByRole('button', { name: 'Unmute' }).click()
      await callerWindow.getByRole('button', { name: 'Mute' }).waitFor({ timeout: STEP_MS })
      await waitUntil(
        'audio flows again',
        async () => (await growth(calleeWindow, 500)) > 5,
        10_000,
      )
      figures.push(`audio packets at the callee while muted (1.5 s): ${receivedWhileMuted}`)
    },
  )

  test(
    'hang-up ends both sides; both histories hold a completed call with its duration',
    {
      timeout: 30_000,
    },
    async () => {
      await calleeWindow.getByRole('button', { name: 'Hang up' }).click()
      await waitForWindowState(calleeWindow, 'ended')
      await waitForWindowState(callerWindow, 'ended')
      assert.ok(
        (await callerWindow.getByTestId('call-state').textContent())?.includes('by your contact'),
      )
      assert.equal((await a.must({ type: 'call.current' })).call, null)
      assert.equal((await b.must({ type: 'call.current' })).call, null)
      for (const [page, conv] of [
        [a, convA],
        [b, convB],
      ] as const) {
        let entry: ChatMessage | undefined
        await waitUntil(
          `${page.name} records the call`,
          async () => {
            entry = (await callEntries(page, conv)).at(-1)
            return entry !== undefined
          },
          STEP_MS,
        )
        assert.ok(entry?.body.kind === 'call')
        assert.equal(entry.body.outcome, 'completed')
        assert.ok(entry.body.durationMs > 1_000, `duration ${entry.body.durationMs} ms`)
      }
      // The caller's chat shows the entry.
      await a.page.getByTestId('message').filter({ hasText: 'Video call' }).first().waitFor({
        timeout: STEP_MS,
      })
      // The media really stopped: no more frames decoded.
      const frames = (await rtp(callerWindow)).inboundVideoFramesDecoded
      await sleep(500)
      assert.equal((await rtp(callerWindow)).inboundVideoFramesDecoded, frames)
      await callerWindow.close()
      await calleeWindow.close()
    },
  )

  test(
    'a DTLS fingerprint tampered in the signalling makes the call fail on both sides',
    {
      timeout: 60_000,
    },
    async () => {
      const aWindow = nextCallWindow(profileA)
      const bWindow = nextCallWindow(profileB)
      await a.must({ type: 'call.start', conversationId: convA, media: 'audio' })
      const caller = await aWindow
      const callee = await bWindow
      // Test-build hook: B's window binds a wrong fingerprint into its (E2EE) answer, while its SDP
      // carries the real one, as if the signalling had been altered on the way.
      await callee.evaluate(() => {
        ;(globalThis as CallHook).__hestiaCallTest!.hooks.tamperBoundFingerprint = true
      })
      await callee.getByRole('button', { name: 'Accept' }).click()
      await waitForWindowState(caller, 'ended', 20_000)
      await waitForWindowState(callee, 'ended', 20_000)
      const alert = await caller.getByTestId('call-error').textContent()
      assert.match(alert ?? '', /does not match/)
      assert.equal(await windowState(caller), 'ended')
      const [x, y] = await Promise.all([rtp(caller), rtp(callee)])
      assert.equal(x.inboundAudioPackets, 0, 'no media reached the caller')
      assert.equal(y.inboundAudioPackets, 0, 'no media reached the callee')
      for (const [page, conv] of [
        [a, convA],
        [b, convB],
      ] as const) {
        let entry: ChatMessage | undefined
        await waitUntil(
          `${page.name} records the failed call`,
          async () => {
            entry = (await callEntries(page, conv)).at(-1)
            return entry?.body.kind === 'call' && entry.body.outcome === 'failed'
          },
          STEP_MS,
        )
      }
      await caller.screenshot({ path: join(artifacts, '03-caller-tampered.png') })
      for (const w of windows) await w.close().catch(() => undefined)
    },
  )
})
