// How a host page (the extension's popup or tab) starts the UI:
//
//   import { mountHestia } from '@hestia/ui/mount.ts'
//   const stop = mountHestia(document.getElementById('__plasmo')!, { client, layout: 'popup', openInTab })
//
// `client` is any MessengerClient (the extension's runtime-port client; the fixture client in the
// preview). The UI never touches browser extension APIs: the host passes `openInTab`/`stageFile`.
import { mount, unmount } from 'svelte'
import type { MessengerClient } from '@hestia/core/client/api.ts'
import App from './App.svelte'
import type { StageFile } from './lib/types.ts'

export type HestiaUiOptions = {
  client: MessengerClient
  /** 'popup' (default) fits the browser's popup, at most 800×600; 'tab' fills a tab. */
  layout?: 'popup' | 'tab'
  /** Opens the messenger in a tab; the button is hidden when absent or already in a tab. */
  openInTab?: () => void
  /** Stages a picked file with the host before `transfer.offer`. */
  stageFile?: StageFile
}

/** Mounts the messenger UI into `target`; returns a function that removes it. */
export function mountHestia(target: Element, options: HestiaUiOptions): () => void {
  const app = mount(App, { target, props: { ...options } })
  return () => void unmount(app)
}
