// Settings → Devices, linking from both sides and "this device was removed" (issue 19): what the
// user reads and can do at each step, driven through DevicesState as the popup drives it.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { NOW } from './support/fixtures.ts'
import { device, devicesClient, linkStatus, view } from './support/devices-client.ts'
import { DevicesState } from '../src/lib/devices-state.ts'

const noop = (): void => {}

const laptop = device({ name: 'Chrome on Linux', thisDevice: true, primary: true, lastSeen: null })
const firefox = device({ name: 'Firefox on Linux' })
const phone = device({ name: 'Chrome on Android', lastSeen: null })

async function loaded(devices: ReturnType<typeof view>): Promise<DevicesState> {
  const state = new DevicesState(
    devicesClient({ 'devices.list': () => ({ ok: true, value: devices }) }),
  )
  await state.load()
  return state
}

function settings(devices: DevicesState) {
  return renderFile('components/DevicesSettings.svelte', { devices, now: NOW })
}

describe('Settings → Devices on the primary', () => {
  test('lists every device with this one and the primary marked, name, linked and last seen', async () => {
    const page = await settings(await loaded(view([laptop, firefox, phone])))
    const rows = page.elements('li').filter((li) => li.attrs['data-testid'] === 'device-row')
    assert.equal(rows.length, 3)
    assert.deepEqual(
      rows.map((r) => [r.attrs['data-this'], r.attrs['data-primary']]),
      [
        ['true', 'true'],
        ['false', 'false'],
        ['false', 'false'],
      ],
    )
    for (const name of ['Chrome on Linux', 'Firefox on Linux', 'Chrome on Android'])
      assert.match(page.html, new RegExp(`<bdi>${name}</bdi>`), `${name} isolated`)
    assert.ok(page.text.includes('This device'))
    assert.ok(page.text.includes('Primary'))
    assert.ok(page.text.includes('Last seen'), 'the other device heard from an hour ago')
    assert.ok(page.text.includes('Not seen since it was linked'))
    assert.ok(page.text.includes('Linked Nov 22, 2026'), 'when it was linked')
    assert.equal(page.text.split('This device').length - 1, 1, 'this device is said once')
  })

  test('rename for each device, remove only for the others, labelled by name', async () => {
    const page = await settings(await loaded(view([laptop, firefox])))
    assert.ok(page.find('button', { 'aria-label': 'Rename Chrome on Linux' }))
    assert.ok(page.find('button', { 'aria-label': 'Rename Firefox on Linux' }))
    assert.ok(page.find('button', { 'aria-label': 'Remove Firefox on Linux' }))
    assert.equal(page.find('button', { 'aria-label': 'Remove Chrome on Linux' }), undefined)
    assert.ok(page.text.includes('Link a new device'))
    assert.ok(page.text.includes('Log out all other devices…'))
  })

  test('alone: no "log out all others"; linking is offered', async () => {
    const page = await settings(await loaded(view([laptop])))
    assert.ok(!page.text.includes('Log out all other devices'))
    const link = page.elements('button').find((b) => !b.has('aria-label') && !b.has('disabled'))
    assert.ok(link, 'an enabled Link a new device')
  })

  test('at five devices linking is disabled and the cap is said in a sentence', async () => {
    const five = [laptop, firefox, phone, device({ name: 'Edge' }), device({ name: 'Work' })]
    const page = await settings(await loaded(view(five)))
    const cap = page.textWithin('p', 'data-testid', 'devices-cap')
    assert.equal(
      cap,
      'This identity already has 5 devices, the most Hestia allows. Remove one to link another.',
    )
    const button = page.find('button', { 'aria-describedby': 'devices-cap' })
    assert.ok(button?.has('disabled'), 'Link a new device is disabled and points at the sentence')
  })

  test('loading, then a failure with its sentence and Try again', async () => {
    const state = new DevicesState(devicesClient())
    const loading = await settings(state)
    assert.ok(loading.text.includes('Loading devices…'))
    state.client.request = () =>
      Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'port' } }) as never
    await state.load()
    const failed = await settings(state)
    assert.ok(failed.text.includes(CLIENT_ERROR_TEXT.unavailable))
    assert.ok(!failed.text.includes('port'), 'the detail is for bug reports')
    assert.ok(failed.text.includes('Try again'))
  })
})

describe('Settings → Devices on a companion', () => {
  test('lists the devices but offers no change, and names the primary that can', async () => {
    const here = device({ name: 'Firefox on Linux', thisDevice: true })
    const primary = device({ name: 'Chrome on Linux', primary: true })
    const page = await settings(await loaded(view([primary, here], false)))
    assert.equal(
      page.elements('li').filter((l) => l.attrs['data-testid'] === 'device-row').length,
      2,
    )
    assert.equal(
      page.textWithin('p', 'data-testid', 'devices-companion')?.includes('Chrome on Linux'),
      true,
    )
    assert.ok(!page.text.includes('Rename'))
    assert.ok(!page.text.includes('Remove'))
    assert.ok(!page.text.includes('Link a new device'))
    assert.ok(!page.text.includes('Log out all'))
  })
})

describe('the confirm says what happens', () => {
  test('remove: stops receiving at once, erases itself when it next comes online', async () => {
    const page = await renderFile('components/DeviceConfirm.svelte', {
      removing: 'Firefox on Linux',
      others: 2,
      onconfirm: noop,
      oncancel: noop,
    })
    assert.match(page.text, /Remove Firefox on Linux\? It stops receiving your messages at once/)
    assert.match(page.text, /erases its messages, contacts and keys the next time it comes online/)
    assert.ok(page.text.includes('Remove this device'))
    assert.ok(page.text.includes('Cancel'))
    assert.ok(page.find('div', { role: 'group', 'aria-labelledby': 'device-confirm-text' }))
  })

  test('log out all others: counts them, and only this device keeps the identity', async () => {
    const page = await renderFile('components/DeviceConfirm.svelte', {
      removing: null,
      others: 3,
      onconfirm: noop,
      oncancel: noop,
    })
    assert.match(page.text, /The other 3 devices stop receiving your messages at once/)
    assert.ok(page.text.includes('Only this device keeps your identity.'))
    assert.ok(page.text.includes('Log out 3 other devices'))
    const one = await renderFile('components/DeviceConfirm.svelte', {
      removing: null,
      others: 1,
      onconfirm: noop,
      oncancel: noop,
    })
    assert.ok(one.text.includes('Log out 1 other device'))
    assert.ok(!one.text.includes('1 other devices'))
  })
})

describe('linking, on the primary (scan or paste → code → Codes match)', () => {
  function accepting(): { state: DevicesState; client: ReturnType<typeof devicesClient> } {
    const client = devicesClient({
      'devices.list': () => ({ ok: true, value: view([laptop]) }),
      'devices.linkAccept': () => ({ ok: true, value: linkStatus({}) }),
      'devices.linkConfirm': () => ({ ok: true, value: linkStatus({ state: 'confirmed' }) }),
      'devices.linkCancel': () => ({
        ok: true,
        value: linkStatus({ state: 'failed', failure: 'cancelled', reason: 'You cancelled.' }),
      }),
    })
    return { state: new DevicesState(client), client }
  }
  const panel = (state: DevicesState) =>
    renderFile('components/LinkDeviceAccept.svelte', { devices: state, onclose: noop })

  test('first: paste field and scanner, with how to start on the new browser', async () => {
    const page = await panel(accepting().state)
    assert.ok(page.find('input', { id: 'device-link-input' }))
    assert.ok(page.text.includes('Paste the device link'))
    assert.ok(page.text.includes('Link to an existing identity'))
    assert.ok(page.text.includes('or scan its QR code'))
  })

  test('a pasted link shows the code and the new device’s name; Codes match waits for the other', async () => {
    const { state, client } = accepting()
    state.start()
    assert.equal(await state.acceptLink('  hestia:link/AAAA  '), null)
    assert.deepEqual(client.asked.at(-1), { type: 'devices.linkAccept', link: 'hestia:link/AAAA' })
    let page = await panel(state)
    assert.equal(page.find('p', { 'data-testid': 'link-code' })?.attrs['data-code'], '407215')
    assert.ok(page.text.includes('407 215'), 'shown in two groups of three')
    assert.ok(page.text.includes('Code: 4 0 7 2 1 5'), 'read out digit by digit')
    assert.match(page.html, /Does <bdi>Firefox on Linux<\/bdi> show this code\?/)
    assert.ok(page.text.includes('Codes match'))

    assert.equal(await state.confirmLink(), null)
    page = await panel(state)
    assert.ok(page.text.includes('Now confirm it on the other device'))
    assert.ok(!page.text.includes('Codes match'))

    client.emit({ type: 'device.link', link: linkStatus({ state: 'done' }) })
    page = await panel(state)
    assert.match(page.html, /<bdi>Firefox on Linux<\/bdi> is linked/)
    assert.ok(page.text.includes('the safety numbers stay the same'))
    assert.ok(
      client.asked.some((r) => r.type === 'devices.list'),
      'the list is asked again once linked',
    )
  })

  test('Cancel ends it and says so, with Try again', async () => {
    const { state } = accepting()
    await state.acceptLink('hestia:link/AAAA')
    await state.cancelLink()
    const page = await panel(state)
    assert.equal(page.textWithin('p', 'data-testid', 'link-result'), 'Not linked: You cancelled.')
    assert.ok(page.text.includes('Try again'))
  })

  test('a refusal by the node (5 devices, junk) is its sentence; nothing is open', async () => {
    const { state, client } = accepting()
    client.answers['devices.linkAccept'] = () => ({
      ok: false,
      error: { code: 'device_limit', message: 'x' },
    })
    const failed = await state.acceptLink('hestia:link/AAAA')
    assert.equal(failed?.code, 'device_limit')
    assert.equal(state.link, null)
    assert.match(CLIENT_ERROR_TEXT.device_limit, /5 devices, the most Hestia allows/)
  })

  test('the other device declining arrives as an event and is said', async () => {
    const { state, client } = accepting()
    state.start()
    await state.acceptLink('hestia:link/AAAA')
    client.emit({
      type: 'device.link',
      link: linkStatus({
        state: 'failed',
        failure: 'declined',
        reason: 'The new device said the codes differ.',
      }),
    })
    const page = await panel(state)
    assert.equal(
      page.textWithin('p', 'data-testid', 'link-result'),
      'Not linked: The new device said the codes differ.',
    )
  })
})

describe('linking, on the new device (first run)', () => {
  function newDevice() {
    const client = devicesClient({
      'devices.linkStart': () => ({
        ok: true,
        value: {
          linkId: 'link-9',
          link: 'hestia:link/CgEBEiA',
          qrPayload: 'HESTIA:LINK/CGEBEIA',
          expiresAt: NOW + 600_000,
        },
      }),
      'devices.linkCancel': () => ({
        ok: true,
        value: linkStatus({ linkId: 'link-9', side: 'new', state: 'failed', failure: 'cancelled' }),
      }),
    })
    return { state: new DevicesState(client), client }
  }
  const screen = (state: DevicesState) =>
    renderFile('components/LinkDeviceOffer.svelte', { devices: state, onback: noop })

  test('first: a name for this browser, then Show the link; Back returns', async () => {
    const page = await screen(newDevice().state)
    assert.ok(page.find('input', { id: 'device-name' }))
    assert.ok(page.text.includes('Show the link'))
    assert.ok(page.text.includes('Back'))
    assert.ok(page.text.includes('Settings → Devices → Link a new device'))
  })

  test('the offer: QR code and the link to copy, valid once for ten minutes', async () => {
    const { state, client } = newDevice()
    state.start()
    assert.equal(await state.startLink('Firefox on Linux'), null)
    assert.deepEqual(client.asked.at(-1), {
      type: 'devices.linkStart',
      deviceName: 'Firefox on Linux',
    })
    const page = await screen(state)
    assert.ok(
      page.find('svg', { 'data-testid': 'qr-code', 'aria-label': 'QR code of the device link' }),
    )
    assert.equal(
      page.find('input', { 'data-testid': 'device-link' })?.attrs.value,
      'hestia:link/CgEBEiA',
    )
    assert.ok(page.text.includes('Waiting for your other device…'))
    assert.ok(page.text.includes('Cancel'))
  })

  test('the code with the identity it joins; done says it opens the conversations', async () => {
    const { state, client } = newDevice()
    state.start()
    await state.startLink('Firefox on Linux')
    const compare = linkStatus({
      linkId: 'link-9',
      side: 'new',
      code: '000042',
      identity: { displayName: 'Robin', fingerprint: 'K7XQ-2M4A' },
      deviceName: null,
    })
    client.emit({ type: 'device.link', link: compare })
    let page = await screen(state)
    assert.equal(page.find('p', { 'data-testid': 'link-code' })?.attrs['data-code'], '000042')
    assert.ok(page.text.includes('000 042'), 'leading zeros kept')
    assert.match(page.html, /Joining the identity of <strong><bdi>Robin<\/bdi><\/strong>/)
    assert.ok(page.text.includes('K7XQ-2M4A'))
    // A late "waiting" (an answer overtaken by the event) does not take the code away.
    client.emit({ type: 'device.link', link: { ...compare, state: 'waiting', code: null } })
    page = await screen(state)
    assert.ok(page.text.includes('000 042'))
    // Another attempt's event is not this one's.
    client.emit({ type: 'device.link', link: { ...compare, linkId: 'other', state: 'failed' } })
    assert.equal(state.link?.state, 'compare')

    client.emit({ type: 'device.link', link: { ...compare, state: 'done' } })
    page = await screen(state)
    assert.ok(page.text.includes('Linked. Opening your conversations…'))
  })

  test('the code before the identity is known (the primary has not confirmed yet)', async () => {
    const { state, client } = newDevice()
    state.start()
    await state.startLink('Firefox on Linux')
    client.emit({
      type: 'device.link',
      link: linkStatus({ linkId: 'link-9', side: 'new', identity: null, deviceName: null }),
    })
    const page = await screen(state)
    assert.ok(page.text.includes('407 215'))
    assert.ok(page.find('p', { 'data-testid': 'link-identity-pending' }))
    assert.equal(page.find('p', { 'data-testid': 'link-identity' }), undefined)
  })

  test('a failure says why, with Try again and Back', async () => {
    const { state, client } = newDevice()
    state.start()
    await state.startLink('Firefox on Linux')
    client.emit({
      type: 'device.link',
      link: linkStatus({
        linkId: 'link-9',
        side: 'new',
        state: 'failed',
        failure: 'expired',
        reason: 'The link expired before your other device answered.',
      }),
    })
    const page = await screen(state)
    assert.equal(
      page.textWithin('p', 'data-testid', 'link-result'),
      'This browser was not linked: The link expired before your other device answered.',
    )
    assert.ok(page.text.includes('Try again'))
    assert.ok(page.text.includes('Back'))
  })

  test('linkStart refused (this browser already has an identity): the sentence, no offer', async () => {
    const { state, client } = newDevice()
    client.answers['devices.linkStart'] = () => ({
      ok: false,
      error: { code: 'identity_exists', message: 'x' },
    })
    const failed = await state.startLink('x')
    assert.equal(failed?.code, 'identity_exists')
    assert.equal(state.offer, null)
    assert.equal(state.link, null)
  })
})

describe('first run offers linking beside Create', () => {
  test('the button shows when linking is wired, and not otherwise', async () => {
    const withLink = await renderFile('components/FirstRun.svelte', {
      oncreate: noop,
      onabout: noop,
      onlink: noop,
    })
    assert.ok(withLink.text.includes('Create my identity'))
    assert.ok(withLink.text.includes('Link to an existing identity'))
    const without = await renderFile('components/FirstRun.svelte', {
      oncreate: noop,
      onabout: noop,
    })
    assert.ok(!without.text.includes('Link to an existing identity'))
  })
})

describe('this device was removed', () => {
  test('the event sets the state; the screen says it was removed and erased', async () => {
    const client = devicesClient()
    const state = new DevicesState(client)
    state.start()
    await state.startLink('x').catch(() => undefined)
    client.emit({ type: 'device.removed', at: NOW })
    assert.equal(state.removedAt, NOW)
    assert.equal(state.link, null)
    const page = await renderFile('components/DeviceRemoved.svelte', { at: NOW, oncontinue: noop })
    assert.ok(
      page.text.includes(
        'This device was removed from your identity by another device; its data was erased.',
      ),
    )
    assert.ok(page.find('div', { role: 'alert' }))
    assert.ok(page.text.includes('Continue'))
  })
})
