// What the tests with Chromium and Firefox people set up before their first test (groups,
// devices): the ChromiumTestbed (chrome-mv3 snapshot, a relay on 127.0.0.1, named profiles), a
// snapshot of the firefox-mv2 test build, each Chromium browser launched with the messenger page
// open, and Firefox ESR with the add-on and its messenger page. `destroy()` stops whatever of it
// was started, so a failed set-up still cleans up.
import type { Page as PuppeteerPage } from 'puppeteer-core'
import { firefoxAddonId } from '../../../plasmo.config.ts'
import { launchFirefox, type LaunchedFirefox } from '../../../scripts/browsers.ts'
import { ChromiumTestbed } from './chromium-testbed.ts'
import { snapshotTestBuild } from './fresh-build.ts'
import type { ChromiumProfile, HestiaPage, TestRelay } from './messenger-browser.ts'

export class MixedTestbed {
  readonly #chromium = new ChromiumTestbed()
  #firefoxBuild: { dir: string; remove: () => Promise<void> } | undefined
  #firefox: LaunchedFirefox | undefined
  #profiles: readonly ChromiumProfile[] = []

  /** The Chromium profiles (to close one person's browser and launch it again). */
  get profiles(): readonly ChromiumProfile[] {
    return this.#profiles
  }

  /** The relay; reading it before start() throws. */
  get relay(): TestRelay {
    return this.#chromium.relay
  }

  /** The Firefox browser once launched (its download folder, for instance). */
  get firefox(): LaunchedFirefox | undefined {
    return this.#firefox
  }

  /**
   * Starts everything; resolves with the Chromium pages (in the order of `chromiumNames`) and the
   * Firefox messenger page (1000×700).
   */
  async start<const Names extends readonly string[]>(
    chromiumNames: Names,
  ): Promise<{ chromium: { [K in keyof Names]: HestiaPage }; firefox: PuppeteerPage }> {
    const profiles = await this.#chromium.start(chromiumNames)
    this.#profiles = profiles
    this.#firefoxBuild = await snapshotTestBuild('firefox-mv2')
    // One browser after another (as the groups test did; devices launched its two at once): the
    // gentler load on a shared machine, for a few seconds more.
    const pages: HestiaPage[] = []
    for (const profile of profiles) {
      await profile.launch()
      pages.push(await profile.open())
    }
    this.#firefox = await launchFirefox({
      extensionDir: this.#firefoxBuild.dir,
      addonId: firefoxAddonId,
    })
    // Test builds open the messenger page in a tab at install (BiDi may not navigate there).
    const firefox = await this.#firefox.findPage(this.#firefox.extensionUrl('popup.html'), 30_000)
    await firefox.setViewport({ width: 1000, height: 700 })
    return { chromium: pages as { [K in keyof Names]: HestiaPage }, firefox }
  }

  async destroy(): Promise<void> {
    await Promise.allSettled([this.#firefox?.close(), this.#chromium.destroy()])
    await this.#firefoxBuild?.remove()
  }
}
