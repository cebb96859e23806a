// Public entry of @hestia/ui. The extension mounts App with a MessengerClient:
//   import { App } from '@hestia/ui'
//   mount(App, { target, props: { client, layout: 'popup', openInTab } })
export { default as App } from './App.svelte'
export type { StageFile, TransferAction } from './lib/types.ts'
export { AppState } from './lib/app-state.svelte.ts'
export { ChatState } from './lib/chat-state.svelte.ts'
