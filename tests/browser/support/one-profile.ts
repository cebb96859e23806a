// One Chromium profile with the chrome-mv3 test build for a whole test file (no relay): launched
// before the first test, removed with the build snapshot after the last one.
import { after, before } from 'node:test'
import { ChromiumTestbed } from './chromium-testbed.ts'
import type { ChromiumProfile } from './messenger-browser.ts'

/** The launched profile; reading it before the file's `before` hook ran throws. */
export interface OneProfile {
  readonly profile: ChromiumProfile
}

/** Registers the file's before/after hooks. Call it at the top level of a test file. */
export function oneChromiumProfile(name: string): OneProfile {
  const bed = new ChromiumTestbed()
  let profile: ChromiumProfile | undefined
  before(
    async () => {
      const [created] = await bed.start([name], false)
      await created.launch()
      profile = created
    },
    { timeout: 720_000 },
  )
  after(() => bed.destroy())
  return {
    get profile(): ChromiumProfile {
      if (profile === undefined) throw new Error(`${name}: the profile is not launched yet`)
      return profile
    },
  }
}
