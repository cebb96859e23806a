// Fixture preview: the real App against the in-memory fixture client, for development, the
// browser tests and screenshots. Query: ?firstRun=1 starts without an identity; ?layout=tab;
// ?extra=N adds N generated conversations (a long list).
import { createFixtureClient } from '@hestia/core/test-support/fixture-client.ts'
import type { FixtureControls } from '@hestia/core/test-support/fixture-client.ts'
import { mountHestia } from '../src/mount.ts'

declare global {
  interface Window {
    /** The fixture's network controls, for tests that play the contact's part. */
    hestiaFixture?: FixtureControls
  }
}

const params = new URLSearchParams(location.search)
const client = createFixtureClient({
  clock: { now: () => Date.now() },
  firstRun: params.get('firstRun') === '1',
  extraContacts: Math.max(0, Math.min(1000, Number(params.get('extra')) || 0)),
  schedule: (delayMs, task) => void setTimeout(task, delayMs),
})
window.hestiaFixture = client.controls

const target = document.getElementById('app')
if (target === null) throw new Error('preview.html has no #app element')

const layout = params.get('layout') === 'tab' ? 'tab' : 'popup'
mountHestia(target, {
  client,
  layout,
  openInTab: () => void window.open(`${location.pathname}?layout=tab`, '_blank', 'noopener'),
})
