// Settings (relays with status, notifications, read receipts) and the connectivity indicator.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT, defaultSettings } from '@hestia/core/client/api.ts'
import type { ConnectivityStatus, RelayStatus } from '@hestia/core/client/api.ts'
import { relayName } from '@hestia/core/client/relay-address.ts'
import { renderFile } from './support/render.ts'
import { fixture } from './support/fixtures.ts'

const noop = (): void => {}
const base = {
  identity: null,
  connectivity: null,
  onupdate: noop,
  onaddrelay: () => Promise.resolve(),
  onremoverelay: noop,
  onabout: noop,
  onback: noop,
  onretry: noop,
}

function relay(address: string, state: RelayStatus['state']): RelayStatus {
  return {
    address,
    state,
    reserved: state === 'connected',
    mailboxReady: state === 'connected',
    rttMs: state === 'connected' ? 40 : null,
    error: state === 'error' ? 'refused' : null,
    since: 0,
  }
}

describe('SettingsView', () => {
  test('node diagnostics: a collapsed section that asks the host only once opened', async () => {
    let asked = 0
    const diagnostics = () => {
      asked++
      return Promise.resolve({
        state: 'running' as const,
        home: 'offscreen-document',
        connections: 2,
        peerId: '12D3KooWExample',
      })
    }
    const view = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'loading' },
      diagnostics,
    })
    const details = view.find('details', { 'data-testid': 'node-status' })
    assert.ok(details !== undefined, 'a diagnostics section')
    assert.equal(details.has('open'), false, 'collapsed')
    assert.ok(view.text.includes('Node diagnostics'))
    assert.equal(view.text.includes('12D3KooWExample'), false)
    assert.equal(asked, 0, 'nothing asked while collapsed')
    const without = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'loading' },
    })
    assert.equal(without.find('details', { 'data-testid': 'node-status' }), undefined)
  })

  test('loading and error', async () => {
    const loading = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'loading' },
    })
    assert.ok(loading.text.includes('Loading settings…'))
    assert.ok(loading.text.includes('About Hestia and its security model'))
    const failed = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'error', error: { code: 'unavailable', message: 'x' } },
    })
    assert.ok(failed.text.includes(CLIENT_ERROR_TEXT.unavailable))
  })

  test('each relay shows its live status and can be removed', async () => {
    const { client } = fixture({ longHistory: 10 })
    const settings = await client.request({ type: 'settings.get' })
    const connectivity = await client.request({ type: 'connectivity.status' })
    assert.ok(settings.ok && connectivity.ok)
    const view = await renderFile('components/SettingsView.svelte', {
      ...base,
      onretryrelay: noop,
      settings: { status: 'ready', value: settings.value },
      connectivity: connectivity.value,
    })
    const rows = view.elements('li').filter((li) => li.attrs['data-testid'] === 'relay-row')
    assert.equal(rows.length, settings.value.relays.length)
    for (const status of connectivity.value.relays) {
      const row = rows.find((r) => r.attrs['data-state'] === status.state)
      assert.ok(row, `a ${status.state} relay row`)
      if (status.error !== null)
        assert.ok(view.text.toLowerCase().includes(status.error.toLowerCase()), status.error)
      if (status.rttMs !== null) assert.ok(view.text.includes(`${status.rttMs} ms`))
      const name = relayName(status.address)
      assert.match(name, /^[a-z.-]+:443$/, 'host and port')
      assert.ok(view.find('button', { 'aria-label': `Remove relay ${name}` }))
      const retry = view.find('button', { 'aria-label': `Retry relay ${name}` })
      assert.equal(retry !== undefined, status.state !== 'connected', 'retry unless connected')
    }
  })

  test('two relays on one host and port are told apart', async () => {
    const a = '/ip4/127.0.0.1/tcp/4510/ws/p2p/12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const b = '/ip4/127.0.0.1/tcp/4510/ws/p2p/12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'
    const c = '/ip4/127.0.0.1/tcp/4511/ws/p2p/12D3KooWCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'
    const view = await renderFile('components/SettingsView.svelte', {
      ...base,
      onretryrelay: noop,
      settings: { status: 'ready', value: defaultSettings([a, b, c]) },
      connectivity: {
        nodeRunning: true,
        relays: [relay(a, 'connected'), relay(b, 'error'), relay(c, 'connecting')],
        directPeers: 0,
      },
    })
    const names = view
      .elements('button')
      .map((e) => e.attrs['aria-label'] ?? '')
      .filter((label) => label.startsWith('Remove relay '))
      .map((label) => label.slice('Remove relay '.length))
    assert.equal(new Set(names).size, 3, `distinct names: ${names.join(' | ')}`)
    assert.ok(names.includes('127.0.0.1:4511'))
    assert.ok(view.text.includes('Refused'), 'the reason, capitalised')
    assert.ok(view.text.includes('Connecting…'))
  })

  test('appearance: system, light or dark', async () => {
    const view = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'loading' },
      theme: 'dark',
    })
    const radios = view.elements('input').filter((i) => i.attrs.type === 'radio')
    assert.deepEqual(
      radios.map((r) => [r.attrs.value, r.has('checked')]),
      [
        ['system', false],
        ['light', false],
        ['dark', true],
      ],
    )
  })

  test('defaults: names hidden in notifications, read receipts off, receipts delayed, direct allowed', async () => {
    const view = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'ready', value: defaultSettings([]) },
    })
    assert.ok(view.text.includes('No relays'))
    const boxes = view.elements('input').filter((i) => i.attrs.type === 'checkbox')
    assert.equal(boxes.length, 5)
    assert.deepEqual(
      boxes.map((b) => b.has('checked')),
      [true, false, false, true, false],
    )
    assert.ok(view.text.includes('notifications only say “New message”'))
  })

  test('relay only: the toggle reflects the setting and says what it costs', async () => {
    const view = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'ready', value: { ...defaultSettings([]), relayOnly: true } },
    })
    const box = view.find('input', { 'data-testid': 'relay-only' })
    assert.ok(box?.has('checked'))
    assert.ok(view.text.includes('Contacts never learn your IP address'))
    assert.ok(view.text.includes('slower'), 'the cost: speed')
    assert.ok(view.text.includes('calls are off'), 'the cost: calls')
  })

  test('sender names cannot be turned on while notifications are off', async () => {
    const settings = defaultSettings([])
    settings.notifications.enabled = false
    const view = await renderFile('components/SettingsView.svelte', {
      ...base,
      settings: { status: 'ready', value: settings },
    })
    const boxes = view.elements('input').filter((i) => i.attrs.type === 'checkbox')
    assert.ok(boxes[1]?.has('disabled'))
  })
})

describe('StatusIndicator', () => {
  async function level(connectivity: ConnectivityStatus | null) {
    const view = await renderFile('components/StatusIndicator.svelte', { connectivity })
    const button = view.find('button', { 'data-testid': 'connectivity' })
    assert.ok(button?.attrs['aria-label']?.startsWith('Connection:'))
    return { level: button?.attrs['data-level'], text: view.text }
  }

  test('three plain states: connected, connecting to relay, offline — messages will wait', async () => {
    assert.deepEqual(await level(null), { level: 'connecting', text: 'Connecting to relay…' })
    // A (re)starting node (e.g. right after a relay was removed) is not "Offline".
    const starting = await level({ nodeRunning: false, relays: [], directPeers: 0 })
    assert.deepEqual(starting, { level: 'connecting', text: 'Connecting to relay…' })
    const noRelay = await level({
      nodeRunning: true,
      relays: [relay('/dns4/a/tcp/443/wss', 'error')],
      directPeers: 0,
    })
    assert.deepEqual(noRelay, { level: 'offline', text: 'Offline — messages will wait' })
    const partial = await level({
      nodeRunning: true,
      relays: [relay('/dns4/a/tcp/443/wss', 'connected'), relay('/dns4/b/tcp/443/wss', 'error')],
      directPeers: 1,
    })
    assert.deepEqual(partial, { level: 'partial', text: 'Connected' })
    const online = await level({
      nodeRunning: true,
      relays: [relay('/dns4/a/tcp/443/wss', 'connected')],
      directPeers: 3,
    })
    assert.deepEqual(online, { level: 'online', text: 'Connected' }, 'no peer counts on the pill')
  })
})
