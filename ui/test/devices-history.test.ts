// "Send message history to <device>" (issue 19, ADR 0790): the size is shown before anything is
// sent, the user chooses, progress and the end follow the node's events, and a refusal is said.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { HistoryTransfer } from '@hestia/core/client/api.ts'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { NOW } from './support/fixtures.ts'
import { device, devicesClient, linkStatus, view } from './support/devices-client.ts'
import { DevicesState } from '../src/lib/devices-state.ts'
import { HistoryOffer } from '../src/lib/history-offer.ts'

const primary = device({ name: 'Chrome on Linux', thisDevice: true, primary: true })
const laptop = device({ name: 'Firefox ‮evil' })
const size = { messages: 1234, chats: 12, bytes: 2_300_000 }
const transfer = (t: Partial<HistoryTransfer>): HistoryTransfer => ({
  deviceId: laptop.deviceId,
  direction: 'out',
  state: 'running',
  chunksDone: 0,
  chunks: 7,
  messages: 0,
  reason: null,
  ...t,
})

function render(offer: HistoryOffer) {
  return renderFile('components/HistorySend.svelte', { offer, device: laptop, onclose: () => {} })
}

describe('sending message history to another device', () => {
  test('the size comes first, in words, with the device name isolated', async () => {
    const client = devicesClient({ 'devices.historySize': () => ({ ok: true, value: size }) })
    const offer = new HistoryOffer(client, laptop.deviceId)
    await offer.load()
    const page = await render(offer)
    assert.ok(page.text.includes('1,234 messages in 12 chats, about 2.3 MB'), page.text)
    assert.match(page.html, /<bdi>Firefox ‮evil<\/bdi>/)
    assert.ok(page.find('button', {}) !== undefined)
    assert.ok(page.text.includes('Send history'))
    assert.deepEqual(
      client.asked.map((r) => r.type),
      ['devices.historySize'],
      'nothing is sent before the user chooses',
    )
  })

  test('progress follows the events; the end is said', async () => {
    const client = devicesClient({
      'devices.historySize': () => ({ ok: true, value: size }),
      'devices.sendHistory': () => ({ ok: true, value: transfer({}) }),
    })
    const offer = new HistoryOffer(client, laptop.deviceId)
    const stop = offer.start()
    await offer.load()
    await offer.send()
    client.emit({ type: 'device.history', transfer: transfer({ chunksDone: 3 }) })
    // Another device's transfer, or one coming in, does not move this one.
    client.emit({
      type: 'device.history',
      transfer: transfer({ deviceId: 'other', chunksDone: 7, state: 'done' }),
    })
    client.emit({ type: 'device.history', transfer: transfer({ direction: 'in', state: 'done' }) })
    assert.ok((await render(offer)).text.includes('Sending… 3 of 7 parts'))
    client.emit({ type: 'device.history', transfer: transfer({ chunksDone: 7, state: 'done' }) })
    assert.ok((await render(offer)).text.includes('Message history sent.'))
    client.emit({
      type: 'device.history',
      transfer: transfer({ state: 'failed', reason: 'the other device did not answer' }),
    })
    const failed = await render(offer)
    assert.ok(failed.text.includes('nothing is copied twice'))
    assert.ok(failed.text.includes('the other device did not answer'))
    stop()
  })

  test('a device that is no longer ours: the refusal is said, nothing to send', async () => {
    const client = devicesClient({
      'devices.historySize': () => ({
        ok: false,
        error: { code: 'not_found', message: 'no linked device of ours with that id' },
      }),
    })
    const offer = new HistoryOffer(client, laptop.deviceId)
    await offer.load()
    const page = await render(offer)
    assert.ok(page.text.includes(CLIENT_ERROR_TEXT.not_found), page.text)
    assert.ok(!page.text.includes('Send history'))
  })

  test('offered on the primary for each other device, not on a companion', async () => {
    const settings = async (devices: ReturnType<typeof view>) => {
      const state = new DevicesState(
        devicesClient({ 'devices.list': () => ({ ok: true, value: devices }) }),
      )
      await state.load()
      return renderFile('components/DevicesSettings.svelte', { devices: state, now: NOW })
    }
    const onPrimary = await settings(view([primary, laptop]))
    assert.ok(onPrimary.find('button', { 'aria-label': 'Send message history to Firefox ‮evil' }))
    assert.equal(
      onPrimary.find('button', { 'aria-label': 'Send message history to Chrome on Linux' }),
      undefined,
    )
    const other = device({ name: 'Edge' })
    const me = { ...laptop, thisDevice: true }
    const onCompanion = await settings(view([{ ...primary, thisDevice: false }, me, other], false))
    assert.equal(
      onCompanion.find('button', { 'aria-label': 'Send message history to Chrome on Linux' }),
      undefined,
    )
    assert.equal(
      onCompanion.find('button', { 'aria-label': 'Send message history to Edge' }),
      undefined,
    )
  })

  test('the receiving device shows what comes in, from which device', async () => {
    const client = devicesClient({
      'devices.list': () => ({
        ok: true,
        value: view(
          [
            { ...primary, thisDevice: false },
            { ...laptop, thisDevice: true },
          ],
          false,
        ),
      }),
    })
    const state = new DevicesState(client)
    const stop = state.start()
    await state.load()
    const from = primary.deviceId
    client.emit({
      type: 'device.history',
      transfer: transfer({ deviceId: from, direction: 'in', chunksDone: 3, messages: 600 }),
    })
    // What this device sends elsewhere is not shown as coming in.
    client.emit({ type: 'device.history', transfer: transfer({ chunksDone: 5 }) })
    const render = () =>
      renderFile('components/DevicesSettings.svelte', { devices: state, now: NOW })
    const running = (await render()).textWithin('p', 'data-testid', 'history-in')
    assert.equal(
      running,
      'From Chrome on Linux: Receiving message history… 3 of 7 parts, 600 new messages',
    )
    client.emit({
      type: 'device.history',
      transfer: transfer({
        deviceId: from,
        direction: 'in',
        state: 'done',
        chunksDone: 7,
        messages: 1234,
      }),
    })
    const done = await render()
    assert.equal(
      done.textWithin('p', 'data-testid', 'history-in'),
      'From Chrome on Linux: Message history received: 1,234 new messages.',
    )
    assert.match(done.html, /<bdi>Chrome on Linux<\/bdi>/)
    stop()
  })

  test('right after this primary linked a device, its history is offered for it', async () => {
    const linked = device({ name: 'Firefox on Linux', linkedAt: NOW })
    const older = device({ name: 'Firefox on Linux', linkedAt: NOW - 86_400_000 })
    const client = devicesClient({
      'devices.list': () => ({
        ok: true,
        value: view([primary, { ...older, deviceId: 'old' }, linked]),
      }),
      'devices.linkAccept': () => ({ ok: true, value: linkStatus({ state: 'compare' }) }),
    })
    const state = new DevicesState(client)
    const stop = state.start()
    await state.load()
    const render = () =>
      renderFile('components/DevicesSettings.svelte', { devices: state, now: NOW })
    assert.equal((await render()).find('div', { 'data-testid': 'history-send' }), undefined)
    await state.acceptLink('hestia:link/x')
    client.emit({ type: 'device.link', link: linkStatus({ state: 'done' }) })
    assert.equal(state.justLinked()?.deviceId, linked.deviceId, 'the newest of that name')
    const page = await render()
    assert.ok(page.find('div', { 'data-testid': 'history-send' }), 'offered at once')
    assert.ok(page.text.includes('Send message history to Firefox on Linux'))
    state.closeLink()
    assert.equal((await render()).find('div', { 'data-testid': 'history-send' }), undefined)
    stop()
  })
})
