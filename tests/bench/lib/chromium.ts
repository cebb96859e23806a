// Chromium for benchmarks: the Debian system browser driven by playwright-core, with the flags
// docs/FINDINGS.md lists for this closed network and for WebRTC on loopback.
//
//   const chromium = await launchBenchChromium()
//   try { const page = await chromium.browser.newPage(); ... } finally { await chromium.close() }

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'
import { chromiumFlags, chromiumPath } from '../../../scripts/browsers.ts'

/** System Chromium (HESTIA_CHROMIUM overrides it), same binary as the browser tests. */
export const CHROMIUM_PATH = chromiumPath

/** Timers and rendering of background tabs are throttled; two benchmark pages must not be. */
const NO_THROTTLING_FLAGS = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
] as const

export const BENCH_CHROMIUM_ARGS: readonly string[] = [
  // The browser tests' flags: closed network plus WebRTC on loopback (FINDINGS.md).
  ...chromiumFlags,
  ...NO_THROTTLING_FLAGS,
]

export interface BenchChromium {
  browser: Browser
  close(): Promise<void>
}

export interface BenchChromiumWithExtension {
  context: BrowserContext
  /** The extension's id, read from its service worker's URL. */
  extensionId: string
  close(): Promise<void>
}

/** Launches a fresh Chromium (temporary profile) for pages served from the loopback server. */
export async function launchBenchChromium(
  extraArgs: readonly string[] = [],
): Promise<BenchChromium> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...BENCH_CHROMIUM_ARGS, ...extraArgs],
  })
  return {
    browser,
    close: async () => {
      await browser.close()
    },
  }
}

/**
 * Launches Chromium with an unpacked extension loaded (persistent context in a fresh profile
 * directory, removed on close) and waits for its service worker to learn the extension id.
 */
export async function launchBenchChromiumWithExtension(
  extensionDir: string,
  extraArgs: readonly string[] = [],
): Promise<BenchChromiumWithExtension> {
  const profile = await mkdtemp(join(tmpdir(), 'hestia-bench-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      ...BENCH_CHROMIUM_ARGS,
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      ...extraArgs,
    ],
  })
  const close = async (): Promise<void> => {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  }
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'))
    const extensionId = new URL(worker.url()).host
    return { context, extensionId, close }
  } catch (error) {
    await close()
    throw error
  }
}
