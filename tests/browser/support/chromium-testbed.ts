// What a browser test file sets up before its first test: a snapshot of the chrome-mv3 test build
// (a rebuild by another test cannot change it underneath), optionally a relay on 127.0.0.1, and
// named Chromium profiles with the extension. `destroy()` removes whatever of it was started, so a
// failed setup still cleans up.
import { snapshotTestBuild } from './fresh-build.ts'
import { ChromiumProfile, TestRelay, type HestiaPage } from './messenger-browser.ts'

export class ChromiumTestbed {
  #build: { dir: string; remove: () => Promise<void> } | undefined
  #relay: TestRelay | undefined
  readonly #profiles: ChromiumProfile[] = []

  /** The relay; reading it when the testbed was started without one (or not yet) throws. */
  get relay(): TestRelay {
    if (this.#relay === undefined) throw new Error('the testbed has no relay running')
    return this.#relay
  }

  /** Snapshots the build, starts the relay (unless `withRelay` is false), creates the profiles. */
  async start<const Names extends readonly string[]>(
    names: Names,
    withRelay = true,
  ): Promise<{ [K in keyof Names]: ChromiumProfile }> {
    this.#build = await snapshotTestBuild('chrome-mv3')
    if (withRelay) this.#relay = await TestRelay.start()
    for (const name of names)
      this.#profiles.push(await ChromiumProfile.create(name, this.#build.dir))
    return [...this.#profiles] as { [K in keyof Names]: ChromiumProfile }
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.#profiles.map((p) => p.destroy()))
    await this.#relay?.destroy()
    await this.#build?.remove()
  }
}

/** Launches the profiles' browsers together and opens the messenger page in each. */
export async function launchAndOpen<const Profiles extends readonly ChromiumProfile[]>(
  profiles: Profiles,
): Promise<{ [K in keyof Profiles]: HestiaPage }> {
  await Promise.all(profiles.map((p) => p.launch()))
  const pages = await Promise.all(profiles.map((p) => p.open()))
  return pages as { [K in keyof Profiles]: HestiaPage }
}
