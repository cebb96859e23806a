// Loads screens.ts, the chunk of every screen but the list (ADR 0420): the popup's first frame
// parses and runs only what it shows. One import for the page's life; callers that render before
// it resolves show nothing in that pane for the few milliseconds a local chunk takes.

import type * as ScreensModule from './screens.ts'

export type Screens = typeof ScreensModule

let loaded: Screens | null = null
let loading: Promise<Screens> | null = null

/** The screens if they are already loaded (e.g. a second App in the same page), else null. */
export function loadedScreens(): Screens | null {
  return loaded
}

/** Starts loading (once) and resolves with the screens. */
export function loadScreens(): Promise<Screens> {
  loading ??= import('./screens.ts').then(
    (screens) => (loaded = screens),
    (error: unknown) => {
      loading = null // a later call tries again (an extension update can swap the files)
      throw error
    },
  )
  return loading
}

/** Loads the screens and calls back (a component's state setters: no promise to hold). */
export function whenScreens(to: { loaded: (screens: Screens) => void; failed: () => void }): void {
  loadScreens().then(to.loaded, to.failed)
}
