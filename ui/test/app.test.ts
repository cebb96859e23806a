// The root component: which screen shows for each identity state, and the popup's actions.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { fixture } from './support/fixtures.ts'
import { PROTECTION_SUMMARY } from '../src/lib/texts.ts'
import { AppState } from '../src/lib/app-state.ts'

describe('App', () => {
  test('while the node answers: a splash, not an empty list', async () => {
    const { client } = fixture({ longHistory: 10 })
    const view = await renderFile('App.svelte', { client, appState: new AppState(client) })
    assert.ok(view.text.includes('Opening Hestia…'))
  })

  test('node unreachable: the sentence and a retry', async () => {
    const { client } = fixture({ longHistory: 10 })
    const app = new AppState(client)
    app.identity = { status: 'error', error: { code: 'unavailable', message: 'x' } }
    const view = await renderFile('App.svelte', { client, appState: app })
    assert.ok(view.text.includes(CLIENT_ERROR_TEXT.unavailable))
    assert.ok(view.text.includes('Try again'))
  })

  test('a host still starting: the list asks again by itself, no click needed', async () => {
    const { client } = fixture({ longHistory: 10 })
    let refusals = 2
    const starting = Object.create(client) as typeof client
    starting.request = async (request: Parameters<typeof client.request>[0]) => {
      if (request.type === 'conversations.list' && refusals-- > 0)
        return { ok: false, error: { code: 'unavailable', message: 'starting' } }
      return client.request(request)
    }
    const app = new AppState(starting)
    await app.loadIdentity()
    assert.equal(app.conversations.status, 'ready')
    assert.equal(refusals, -1, 'asked three times')
  })

  test('a host that stays unavailable: the error and its Try again, after a bounded wait', async () => {
    const { client } = fixture({ longHistory: 10 })
    let asked = 0
    const down = Object.create(client) as typeof client
    down.request = async (request: Parameters<typeof client.request>[0]) => {
      if (request.type !== 'conversations.list') return client.request(request)
      asked++
      return { ok: false, error: { code: 'unavailable', message: 'starting' } }
    }
    const app = new AppState(down)
    await app.loadIdentity()
    assert.equal(app.conversations.status, 'error')
    assert.equal(asked, 9)
  })

  test('no identity: first run', async () => {
    const { client } = fixture({ firstRun: true })
    const app = new AppState(client)
    await app.loadIdentity()
    const view = await renderFile('App.svelte', { client, appState: app })
    assert.ok(view.text.includes('Welcome to Hestia'))
    assert.ok(view.text.includes(PROTECTION_SUMMARY[1]))
  })

  test('ready: conversations, status, and "open in a tab" only when the host offers it', async () => {
    const { client } = fixture({ longHistory: 10 })
    const app = new AppState(client)
    await app.loadIdentity()
    const plain = await renderFile('App.svelte', { client, appState: app })
    assert.ok(plain.text.includes('Choose a conversation'))
    assert.ok(plain.find('button', { 'data-testid': 'connectivity' }))
    assert.ok(plain.find('button', { 'aria-label': 'Add a contact' }))
    assert.ok(plain.find('button', { 'aria-label': 'Settings' }))
    assert.ok(!plain.find('button', { 'aria-label': 'Open in a tab' }))
    for (const c of app.visibleConversations())
      assert.ok(plain.text.includes(c.contact.displayName))
    const withTab = await renderFile('App.svelte', { client, appState: app, openInTab: () => {} })
    assert.ok(withTab.find('button', { 'aria-label': 'Open in a tab' }))
    const inTab = await renderFile('App.svelte', {
      client,
      appState: app,
      openInTab: () => {},
      layout: 'tab',
    })
    assert.ok(!inTab.find('button', { 'aria-label': 'Open in a tab' }), 'already in a tab')
  })

  test('the settings screen and the about page are reachable from the state', async () => {
    const { client } = fixture({ longHistory: 10 })
    const app = new AppState(client)
    await app.loadIdentity()
    app.navigate({ name: 'settings' })
    const settings = await renderFile('App.svelte', { client, appState: app })
    assert.ok(settings.text.includes('Relays'))
    assert.ok(settings.text.includes('Read receipts'))
    app.navigate({ name: 'about' })
    const about = await renderFile('App.svelte', { client, appState: app })
    assert.ok(about.text.includes('What the relay can see'))
  })

  test('no rune modules: Plasmo compiles only .svelte files, so state stays in plain .ts', async () => {
    const { readdir } = await import('node:fs/promises')
    const files = await readdir(new URL('../src/', import.meta.url), { recursive: true })
    assert.deepEqual(
      files.filter((f) => /\.svelte\.(ts|js)$/.test(f)),
      [],
    )
  })

  test('no markup from peers: the components never use {@html}', async () => {
    const { readdir, readFile } = await import('node:fs/promises')
    const dir = new URL('../src/', import.meta.url)
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.svelte'))
    assert.ok(files.length > 10)
    for (const file of files) {
      const source = await readFile(new URL(file, dir), 'utf8')
      assert.ok(!source.includes('{@html'), `${file} uses {@html}`)
    }
  })
})
