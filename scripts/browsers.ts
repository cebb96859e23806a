// Launch helpers for the system browsers with the built extension loaded, shared by the browser
// tests and any script that needs a real browser. Flags and prefs: ../shared/docs/FINDINGS.md.
// Every launch gets a fresh temporary profile; `close()` ends the browser and deletes it.
//
//   const chromium = await launchChromium({ extensionDir: 'build/chrome-mv3-test' })
//   const page = await chromium.context.newPage()
//   await page.goto(chromium.extensionUrl('popup.html'))
//   await chromium.close()

import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Worker } from 'playwright-core'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

export const chromiumPath = process.env.HESTIA_CHROMIUM ?? '/usr/bin/chromium'
export const firefoxPath = process.env.HESTIA_FIREFOX ?? '/usr/bin/firefox-esr'

/** For a closed network with no GPU: no background traffic, no first-run UI. */
export const chromiumFlags = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebRTC on loopback: without a media permission Chromium gathers no ICE candidates.
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
] as const

/** Test profiles only; never ship these. */
export const firefoxTestPrefs = {
  'media.peerconnection.ice.loopback': true,
  // Without a media permission Firefox gathers only default-route host candidates.
  'permissions.default.microphone': 1,
  'browser.shell.checkDefaultBrowser': false,
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  // No back-forward cache: a page navigated away from is really gone (the idle test relies on it).
  'browser.sessionhistory.max_total_viewers': 0,
} as const

async function freshProfile(browser: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `hestia-${browser}-`))
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

export interface LaunchedChromium {
  readonly context: BrowserContext
  readonly extensionId: string
  /** The extension's service worker when the launch finished (Chrome may stop and replace it). */
  readonly serviceWorker: Worker
  extensionUrl(path: string): string
  close(): Promise<void>
}

export async function launchChromium(options: {
  extensionDir: string
  timeoutMs?: number
}): Promise<LaunchedChromium> {
  const extensionDir = resolve(options.extensionDir)
  const profile = await freshProfile('chromium')
  const timeoutMs = options.timeoutMs ?? 30_000
  let context: BrowserContext | undefined
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: false, // headless comes from --headless=new: old headless mode loads no extensions
      args: [
        ...chromiumFlags,
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
      ],
      timeout: timeoutMs,
    })
    const launched = context
    const serviceWorker =
      launched.serviceWorkers()[0] ??
      (await launched.waitForEvent('serviceworker', { timeout: timeoutMs }))
    const extensionId = new URL(serviceWorker.url()).host
    return {
      context: launched,
      extensionId,
      serviceWorker,
      extensionUrl: (path) => `chrome-extension://${extensionId}/${path}`,
      close: async () => {
        await withTimeout(launched.close(), 15_000, 'closing Chromium').catch(() => undefined)
        await rm(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await context?.close().catch(() => undefined)
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}

export interface LaunchedFirefox {
  readonly browser: Browser
  readonly addonId: string
  /** Fixed through the pref extensions.webextensions.uuids, so URLs are known in advance. */
  readonly uuid: string
  extensionUrl(path: string): string
  /** Waits for a tab whose location is `url` (BiDi reports moz-extension pages as about:blank). */
  findPage(url: string, timeoutMs?: number): Promise<Page>
  /** Where downloads land without a prompt (inside the profile, removed with it). */
  readonly downloadDir: string
  close(): Promise<void>
}

async function locationOf(page: Page): Promise<string | undefined> {
  // A page still loading may not answer: give up on it for this round.
  return withTimeout(
    page.evaluate(() => location.href),
    2_000,
    'reading location.href',
  ).catch(() => undefined)
}

export async function launchFirefox(options: {
  extensionDir: string
  addonId: string
  timeoutMs?: number
}): Promise<LaunchedFirefox> {
  const profile = await freshProfile('firefox')
  const uuid = randomUUID()
  const timeoutMs = options.timeoutMs ?? 30_000
  let browser: Browser | undefined
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      userDataDir: profile,
      timeout: timeoutMs,
      extraPrefsFirefox: {
        ...firefoxTestPrefs,
        // Downloads (received files) go to a known folder without asking.
        'browser.download.folderList': 2,
        'browser.download.dir': join(profile, 'downloads'),
        'browser.download.useDownloadDir': true,
        'browser.download.always_ask_before_handling_new_types': false,
        'extensions.webextensions.uuids': JSON.stringify({ [options.addonId]: uuid }),
      },
    })
    const launched = browser
    const addonId = await withTimeout(
      launched.installExtension(resolve(options.extensionDir)),
      timeoutMs,
      'installing the add-on',
    )
    const findPage = async (url: string, waitMs = timeoutMs): Promise<Page> => {
      const deadline = Date.now() + waitMs
      while (Date.now() < deadline) {
        for (const page of await launched.pages()) {
          if ((await locationOf(page)) === url) return page
        }
        await new Promise((r) => setTimeout(r, 200))
      }
      throw new Error(`No Firefox tab at ${url} within ${waitMs} ms`)
    }
    return {
      browser: launched,
      addonId,
      uuid,
      extensionUrl: (path) => `moz-extension://${uuid}/${path}`,
      findPage,
      downloadDir: join(profile, 'downloads'),
      close: async () => {
        await withTimeout(launched.close(), 15_000, 'closing Firefox').catch(() => undefined)
        await rm(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await browser?.close().catch(() => undefined)
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}
