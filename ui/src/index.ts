// Public entry of @hestia/ui. A host page mounts the whole UI with a MessengerClient:
//   import { mountHestia } from '@hestia/ui/mount.ts'
//   mountHestia(target, { client, layout: 'popup', openInTab })
// or mounts App itself: mount(App, { target, props: { client } }).
export { default as App } from './App.svelte'
export { mountHestia } from './mount.ts'
export type { HestiaUiOptions } from './mount.ts'
export type { StageFile, TransferAction } from './lib/types.ts'
export { AppState } from './lib/app-state.ts'
export { ChatState } from './lib/chat-state.ts'
