// The screens that are not the conversation list, in one module so the bundler makes them one
// chunk that the popup loads after its first frame (lazy-screens.ts, ADR 0420). The list, the
// first run and the unlock screen stay in the main bundle: one of them is always the first paint.
export { default as AboutSecurity } from './components/AboutSecurity.svelte'
export { default as AddContact } from './components/AddContact.svelte'
export { default as ChatView } from './components/ChatView.svelte'
export { default as ContactInfoView } from './components/ContactInfoView.svelte'
export { default as RestoreBackup } from './components/RestoreBackup.svelte'
export { default as SettingsView } from './components/SettingsView.svelte'
