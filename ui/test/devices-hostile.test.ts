// Device names come from other devices (a link request names itself; the primary's list names
// everyone), so they are peer values (issue 14's rules): isolated, escaped, whole, and no time in
// a list makes the screen throw.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { renderFile } from './support/render.ts'
import { NOW } from './support/fixtures.ts'
import { device, devicesClient, linkStatus, view } from './support/devices-client.ts'
import {
  DevicesState,
  linkErrorText,
  pastedLinkProblem,
  suggestedDeviceName,
} from '../src/lib/devices-state.ts'
import { CLIENT_ERROR_TEXT, DEVICE_API_LIMITS } from '@hestia/core/client/api.ts'

const noop = (): void => {}
const RTL_OVERRIDE = '\u202Eexe.txt'
const HEBREW = 'הטלפון של דנה'
const LONGEST = '🦊'.repeat(64) // 64 graphemes, 128 UTF-16 code units
const MARKUP = '<img src=x onerror=alert(1)>'

async function settingsWith(names: string[]) {
  const here = device({ name: 'Mine', thisDevice: true, primary: true })
  const devices = [here, ...names.map((name, i) => device({ name, deviceId: `12D3KooWh${i}` }))]
  const client = devicesClient({ 'devices.list': () => ({ ok: true, value: view(devices) }) })
  const state = new DevicesState(client)
  await state.load()
  return renderFile('components/DevicesSettings.svelte', { devices: state, now: NOW })
}

describe('hostile device names', () => {
  test('right-to-left names and overrides sit in <bdi>, so the words around them keep order', async () => {
    const page = await settingsWith([RTL_OVERRIDE, HEBREW])
    assert.ok(page.html.includes(`<bdi>${RTL_OVERRIDE}</bdi>`))
    assert.ok(page.html.includes(`<bdi>${HEBREW}</bdi>`))
  })

  test('markup in a name is text, never an element', async () => {
    const page = await settingsWith([MARKUP])
    assert.equal(page.elements('img').length, 0)
    assert.ok(page.text.includes(MARKUP), 'shown as typed')
  })

  test('the longest allowed name is shown whole (no cut), also in its buttons’ labels', async () => {
    const page = await settingsWith([LONGEST])
    assert.ok(page.html.includes(`<bdi>${LONGEST}</bdi>`))
    assert.ok(page.find('button', { 'aria-label': `Remove ${LONGEST}` }))
  })

  test('the name in the link code question and in the confirm is isolated too', async () => {
    const state = new DevicesState(
      devicesClient({
        'devices.linkAccept': () => ({ ok: true, value: linkStatus({ deviceName: RTL_OVERRIDE }) }),
      }),
    )
    await state.acceptLink('hestia:link/AAAA')
    const accept = await renderFile('components/LinkDeviceAccept.svelte', {
      devices: state,
      onclose: noop,
    })
    assert.match(accept.html, new RegExp(`Does <bdi>${RTL_OVERRIDE}</bdi> show this code\\?`))
    const confirm = await renderFile('components/DeviceConfirm.svelte', {
      removing: HEBREW,
      others: 1,
      onconfirm: noop,
      oncancel: noop,
    })
    assert.ok(confirm.html.includes(`Remove <bdi>${HEBREW}</bdi>?`))
  })

  test('the identity a new device joins: its name isolated, its fingerprint beside it', async () => {
    const client = devicesClient({
      'devices.linkStart': () => ({
        ok: true,
        value: { linkId: 'l', link: 'hestia:link/x', qrPayload: 'X', expiresAt: NOW },
      }),
    })
    const state = new DevicesState(client)
    state.start()
    await state.startLink('Firefox')
    client.emit({
      type: 'device.link',
      link: linkStatus({
        linkId: 'l',
        side: 'new',
        identity: { displayName: `${HEBREW}${RTL_OVERRIDE}`, fingerprint: 'K7XQ' },
      }),
    })
    const page = await renderFile('components/LinkDeviceOffer.svelte', {
      devices: state,
      onback: noop,
    })
    assert.ok(page.html.includes(`<bdi>${HEBREW}${RTL_OVERRIDE}</bdi>`))
    assert.ok(page.text.includes('K7XQ'))
  })
})

describe('times and text no device can break', () => {
  test('a list with extreme times renders', async () => {
    for (const t of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0]) {
      const odd = device({ name: 'Odd', linkedAt: t, lastSeen: t })
      const client = devicesClient({
        'devices.list': () => ({
          ok: true,
          value: view([device({ name: 'Me', thisDevice: true, primary: true, linkedAt: t }), odd]),
        }),
      })
      const state = new DevicesState(client)
      await state.load()
      const page = await renderFile('components/DevicesSettings.svelte', {
        devices: state,
        now: NOW,
      })
      assert.ok(page.text.includes('Odd'), String(t))
    }
    const removed = await renderFile('components/DeviceRemoved.svelte', {
      at: Number.MAX_SAFE_INTEGER,
      oncontinue: noop,
    })
    assert.ok(removed.text.includes('its data was erased'))
  })

  test('pasted text: an invite is named as an invite, an overlong paste is refused before sending', () => {
    assert.match(pastedLinkProblem('hestia:i/ABCDEF') ?? '', /contact invite, not a device link/)
    assert.match(pastedLinkProblem('HESTIA:I/ABCDEF') ?? '', /contact invite/, 'a scanned invite')
    const long = `hestia:link/${'A'.repeat(DEVICE_API_LIMITS.linkTextMaxChars)}`
    assert.match(pastedLinkProblem(long) ?? '', /at most 1,024 characters/)
    assert.equal(pastedLinkProblem('  hestia:link/CgEB  '), null, 'the node judges the rest')
    assert.equal(pastedLinkProblem('junk'), null, 'junk goes to the node, which says link_invalid')
  })

  test('a suggested name from the browser, never empty', () => {
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
    const chromium =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
    assert.equal(suggestedDeviceName(firefox), 'Firefox on Linux')
    assert.equal(suggestedDeviceName(chromium), 'Chrome on Linux')
    assert.equal(suggestedDeviceName(''), 'Browser')
  })
})

describe('link failures in the words of their screen', () => {
  test('the new device without a relay, the primary unable to reach the new device', () => {
    assert.equal(
      linkErrorText('new', { code: 'invalid_state', message: 'no relay to link through' }),
      'This browser has no relay to show a link through yet.',
    )
    assert.match(
      linkErrorText('existing', { code: 'peer_unreachable', message: 'dial failed' }),
      /^The new device could not be reached through the relay in its link/,
    )
    assert.match(
      linkErrorText('existing', { code: 'invalid_state', message: 'companion' }),
      /Only your primary device can link devices/,
    )
    assert.equal(
      linkErrorText('existing', { code: 'link_expired', message: 'x' }),
      CLIENT_ERROR_TEXT.link_expired,
    )
  })
})
