// One Chromium profile with the chrome-mv3 test build for a whole test file: the build is
// snapshotted (so a rebuild by another test cannot change it underneath) and the profile launched
// before the first test, both removed after the last one.
import { after, before } from 'node:test'
import { snapshotTestBuild } from './fresh-build.ts'
import { ChromiumProfile } from './messenger-browser.ts'

/** The launched profile; reading it before the file's `before` hook ran throws. */
export interface OneProfile {
  readonly profile: ChromiumProfile
}

/** Registers the file's before/after hooks. Call it at the top level of a test file. */
export function oneChromiumProfile(name: string): OneProfile {
  let build: { dir: string; remove: () => Promise<void> } | undefined
  let profile: ChromiumProfile | undefined
  before(
    async () => {
      build = await snapshotTestBuild('chrome-mv3')
      profile = await ChromiumProfile.create(name, build.dir)
      await profile.launch()
    },
    { timeout: 720_000 },
  )
  after(async () => {
    await profile?.destroy()
    await build?.remove()
  })
  return {
    get profile(): ChromiumProfile {
      if (profile === undefined) throw new Error(`${name}: the profile is not launched yet`)
      return profile
    },
  }
}
