// Add contact (my invite as QR + link; paste or scan theirs) and the QR encode/decode pair.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import type { Invite } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { fixture } from './support/fixtures.ts'
import { decodeQr } from '../src/lib/qr-decode.ts'
import { QUIET_ZONE, qrPath, qrSide } from '../src/lib/qr.ts'
import { create } from 'qrcode'

const noop = (): void => {}
const base = {
  onaccept: () => Promise.reject(new Error('unused')),
  onopen: noop,
  onback: noop,
  onretry: noop,
}

/** Rasterises the SVG path of a QR code (unit squares) into RGBA pixels, `scale` px a module. */
function rasterise(text: string, scale: number): { data: Uint8ClampedArray; side: number } {
  const qr = qrPath(text)
  if (qr === null) throw new Error(`too long for a QR code: ${text.length} characters`)
  const { size, d } = qr
  const side = size * scale
  const data = new Uint8ClampedArray(side * side * 4).fill(255)
  for (const match of d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    const x0 = Number(match[1]) * scale
    const y0 = Number(match[2]) * scale
    for (let y = y0; y < y0 + scale; y++)
      for (let x = x0; x < x0 + scale; x++) data.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3)
  }
  return { data, side }
}

describe('AddContact states', () => {
  test('loading: the invite is being prepared', async () => {
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      invite: { status: 'loading' },
    })
    assert.ok(view.text.includes('Preparing your invite…'))
    assert.ok(view.text.includes('Paste an invite link'), 'pasting works meanwhile')
  })

  test('ready: says the link is for one person and offers to withdraw it for a new one', async () => {
    const invite: Invite = {
      link: 'hestia:invite/abc',
      qrPayload: 'hestia:invite/abc',
      expiresAt: 0,
    }
    const without = await renderFile('components/AddContact.svelte', {
      ...base,
      invite: { status: 'ready', value: invite },
    })
    assert.ok(
      without.text.includes('for one person: whoever answers it first becomes your contact'),
    )
    assert.ok(!without.html.includes('renew-invite'), 'no button without a handler')
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      onrenew: noop,
      invite: { status: 'ready', value: invite },
    })
    assert.ok(view.html.includes('data-testid="renew-invite"'))
    assert.ok(view.text.includes('Withdraw it and make a new link'))
  })

  test('error: the sentence and a retry', async () => {
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      invite: { status: 'error', error: { code: 'unavailable', message: 'x' } },
    })
    assert.ok(view.text.includes(CLIENT_ERROR_TEXT.unavailable))
    assert.ok(view.text.includes('Try again'))
  })

  test('relay busy: the node’s sentence with the wait, not "starting up"', async () => {
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      invite: {
        status: 'error',
        error: { code: 'relay_busy', message: 'relay is busy', retryAfterSeconds: 3 },
      },
    })
    assert.ok(view.text.includes('Your relay is busy making new invites; try again in 3 s.'))
    assert.ok(!view.text.includes(CLIENT_ERROR_TEXT.unavailable))
    assert.ok(view.text.includes('Try again'))
  })

  test('relay unreachable or refusing: its own sentence, never "starting up"', async () => {
    for (const code of ['relay_unreachable', 'relay_refused'] as const) {
      const view = await renderFile('components/AddContact.svelte', {
        ...base,
        invite: { status: 'error', error: { code, message: 'your relay is x' } },
      })
      assert.ok(view.text.includes(CLIENT_ERROR_TEXT[code]), code)
      assert.ok(!view.text.includes(CLIENT_ERROR_TEXT.unavailable), code)
      assert.ok(!view.text.includes('Your relay is x'), `${code}: no detail message shown`)
    }
  })

  test('no relay: says a relay is needed for an invite and leads to settings', async () => {
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      hasRelays: false,
      onsettings: noop,
      invite: { status: 'error', error: { code: 'invalid_state', message: 'add a relay first' } },
    })
    assert.ok(view.text.includes('Add a relay in Settings first'))
    assert.ok(view.text.includes('Open settings'))
    assert.ok(!view.text.includes(CLIENT_ERROR_TEXT.invalid_state))
  })

  test('ready: my QR code, my link to copy, and ways to add theirs', async () => {
    const { client } = fixture({ longHistory: 10 })
    const res = await client.request({ type: 'invite.mine' })
    assert.ok(res.ok)
    const invite: Invite = res.value
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      invite: { status: 'ready', value: invite },
    })
    assert.ok(view.find('svg', { role: 'img', 'aria-label': 'QR code of your invite' }))
    assert.equal(view.find('input', { 'aria-label': 'Your invite link' })?.attrs.value, invite.link)
    assert.ok(view.text.includes('Copy'))
    assert.ok(view.text.includes('Scan with camera'))
    assert.ok(view.text.includes('Choose a picture'))
    const paste = view.find('input', { id: 'invite-input' })
    assert.equal(paste?.attrs.maxlength, undefined, 'a long paste is not cut silently')
    // One clear primary action per side: Copy link (mine) and Add (theirs).
    const primaries = view
      .elements('button')
      .filter((b) => b.attrs.class?.split(' ').includes('primary'))
    assert.equal(primaries.length, 2)
    assert.ok(view.text.includes('Show larger'))
  })

  test('the inline code keeps its maximum size: whole pixels per module, never wider than 200', async () => {
    const { client } = fixture({ longHistory: 10 })
    const res = await client.request({ type: 'invite.mine' })
    assert.ok(res.ok)
    assert.ok(res.value.qrPayload.length >= 2_790, 'the fixture invite is real-size')
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      invite: { status: 'ready', value: res.value },
    })
    const svg = view.find('svg', { 'aria-label': 'QR code of your invite' })
    const side = Number(svg?.attrs.width)
    const modules = Number(svg?.attrs['data-modules'])
    assert.ok(side <= 200 && side > 0, `side ${side}`)
    assert.equal(side % modules, 0, 'a whole number of pixels per module')
    assert.equal(qrSide(185, 200), 185)
    assert.equal(qrSide(185, 400), 370)
    assert.equal(qrSide(77, 200), 154)
  })
})

describe('QR codes', () => {
  test('the rendered invite QR decodes back to the invite', async () => {
    const { client } = fixture({ longHistory: 10 })
    const res = await client.request({ type: 'invite.mine' })
    assert.ok(res.ok)
    const { data, side } = rasterise(res.value.qrPayload, 4)
    assert.equal(decodeQr(data, side, side), res.value.qrPayload)
  })

  test('a short invite (ADR 0734) at its longest is a small code at M; uppercase is smaller', async () => {
    // 300 characters: `HESTIA:I/` and base32, all in QR alphanumeric mode (uppercase).
    const payload = `HESTIA:I/${'AB2C3DE4FG5HI6JK7LMNOPQRSTUVWXYZ'.repeat(10).slice(0, 291)}`
    assert.equal(payload.length, 300)
    const atM = create(payload, { errorCorrectionLevel: 'M' })
    assert.ok(atM.version <= 10, `version ${atM.version}`)
    const lower = create(payload.toLowerCase(), { errorCorrectionLevel: 'M' })
    assert.ok(atM.modules.size < lower.modules.size, 'alphanumeric beats byte mode')
    // The inline code: three whole pixels a module within its 200 px, and it decodes at that size.
    const view = await renderFile('components/AddContact.svelte', {
      ...base,
      invite: {
        status: 'ready',
        value: { link: payload.toLowerCase(), qrPayload: payload, expiresAt: 0 },
      },
    })
    const modules = Number(/data-modules="(\d+)"/.exec(view.html)?.[1])
    assert.equal(modules, atM.modules.size + 2 * QUIET_ZONE)
    assert.ok(view.html.includes(`width="${qrSide(modules, 200)}"`))
    assert.ok(qrSide(modules, 200) / modules >= 3, `${qrSide(modules, 200) / modules} px a module`)
    const { data, side } = rasterise(payload, 3)
    assert.equal(decodeQr(data, side, side), payload)
  })

  test('a long payload (a full invite with prekeys) survives the round trip', () => {
    const payload = `hestia:invite/${'A1b2C3d4'.repeat(120)}`
    const { data, side } = rasterise(payload, 3)
    assert.equal(decodeQr(data, side, side, true), payload)
    assert.ok((qrPath(payload)?.size ?? 0) > 2 * QUIET_ZONE)
  })

  test('a real-size invite (~2,800 characters) still becomes a readable QR code', () => {
    // Measured: an invite with one relay and its ML-KEM prekey is 2,792 characters, beyond what
    // error correction M holds; the code must fall back to L rather than fail to render.
    const payload = `hestia:invite/${'Zx9-_qW3'.repeat(347)}`
    assert.ok(payload.length >= 2_790)
    const { data, side } = rasterise(payload, 2)
    assert.equal(decodeQr(data, side, side, true), payload)
  })

  test('a payload too long for any QR code says so instead of breaking the screen', async () => {
    const payload = `hestia:invite/${'a'.repeat(3_200)}` // byte mode: L holds 2,953
    assert.equal(qrPath(payload), null)
    const view = await renderFile('components/QrCode.svelte', {
      value: payload,
      label: 'My invite',
    })
    assert.ok(view.text.includes('too long for a QR code'), view.text)
  })

  test('a picture without a code decodes to nothing', () => {
    const side = 64
    const data = new Uint8ClampedArray(side * side * 4).fill(200)
    assert.equal(decodeQr(data, side, side, true), null)
  })
})
