import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ClientEvent, ClientResponse } from '../src/client/api.ts'
import { parseClientEvent, parseClientResponse } from '../src/client/validate.ts'
import { createFixtureClient, createManualClock } from './fixture-client.ts'

const START = Date.UTC(2026, 10, 23, 12, 0, 0)

function setup(firstRun = false) {
  const client = createFixtureClient({ clock: createManualClock(START), firstRun, longHistory: 10 })
  const events: ClientEvent[] = []
  client.subscribe((event) => events.push(parseClientEvent(event)))
  return { client, events }
}

function value<V>(response: ClientResponse<V>): V {
  if (!response.ok) assert.fail(`expected success, got ${response.error.code}`)
  return response.value
}

test('fixture devices: a new install shows an offer, compares the code, and joins the identity', async () => {
  const { client, events } = setup(true)
  assert.equal((await client.request({ type: 'devices.list' })).ok, false)
  const offer = value(await client.request({ type: 'devices.linkStart', deviceName: 'Laptop' }))
  assert.match(offer.link, /^hestia:link\//)
  parseClientResponse('devices.linkStart', { ok: true, value: offer })
  const compare = client.controls.devices.scanOffer()
  assert.equal(compare.state, 'compare')
  assert.match(compare.code ?? '', /^[0-9]{6}$/)
  assert.equal(compare.identity?.displayName, 'Robin')
  const done = value(await client.request({ type: 'devices.linkConfirm', linkId: offer.linkId }))
  assert.equal(done.state, 'done')
  const identity = value(await client.request({ type: 'identity.status' }))
  assert.equal(identity.state, 'ready')
  const view = value(await client.request({ type: 'devices.list' }))
  assert.equal(view.canManage, false, 'a companion does not manage the list')
  assert.deepEqual(
    view.devices.map((d) => [d.name, d.thisDevice, d.primary]),
    [
      ["Robin's first browser", false, true],
      ['Laptop', true, false],
    ],
  )
  const removed = await client.request({
    type: 'devices.remove',
    deviceId: view.devices[0]!.deviceId,
  })
  assert.equal(removed.ok ? '' : removed.error.code, 'invalid_state')
  assert.deepEqual(
    events.filter((e) => e.type === 'device.link').map((e) => e.link.state),
    ['waiting', 'compare', 'done'],
  )
  client.controls.devices.removeThisDevice()
  assert.ok(events.some((e) => e.type === 'device.removed'))
  assert.equal(value(await client.request({ type: 'identity.status' })).state, 'none')
})

test('fixture devices: the primary links up to five devices, then refuses with the cap', async () => {
  const { client, events } = setup()
  const junk = await client.request({ type: 'devices.linkAccept', link: 'hestia:i/abc' })
  assert.equal(junk.ok ? '' : junk.error.code, 'link_invalid')
  const before = value(await client.request({ type: 'devices.list' }))
  assert.equal(before.devices.length, 2)
  for (let i = 0; i < 3; i++) {
    const link = value(
      await client.request({ type: 'devices.linkAccept', link: 'hestia:link/AAAA' }),
    )
    assert.equal(link.state, 'compare')
    value(await client.request({ type: 'devices.linkConfirm', linkId: link.linkId }))
  }
  const full = value(await client.request({ type: 'devices.list' }))
  assert.equal(full.devices.length, 5)
  assert.ok(full.listVersion > before.listVersion)
  const sixth = await client.request({ type: 'devices.linkAccept', link: 'hestia:link/AAAA' })
  assert.equal(sixth.ok ? '' : sixth.error.code, 'device_limit')
  const other = full.devices.find((d) => !d.thisDevice)!
  const renamed = value(
    await client.request({ type: 'devices.rename', deviceId: other.deviceId, name: 'Old phone' }),
  )
  assert.equal(renamed.devices.find((d) => d.deviceId === other.deviceId)?.name, 'Old phone')
  const after = value(await client.request({ type: 'devices.logoutOthers' }))
  assert.equal(after.devices.length, 1)
  assert.equal(after.devices[0]?.thisDevice, true)
  assert.ok(events.some((e) => e.type === 'devices.changed' && e.devices.devices.length === 1))
})

test('fixture devices: a cancelled link ends as failed with a sentence', async () => {
  const { client } = setup(true)
  const offer = value(await client.request({ type: 'devices.linkStart', deviceName: 'Laptop' }))
  const cancelled = value(
    await client.request({ type: 'devices.linkCancel', linkId: offer.linkId }),
  )
  assert.equal(cancelled.failure, 'cancelled')
  assert.ok((cancelled.reason ?? '').length > 0)
  const again = await client.request({ type: 'devices.linkConfirm', linkId: offer.linkId })
  assert.equal(again.ok ? '' : again.error.code, 'invalid_state')
})

test('fixture devices: a contact adding a device is a notice; the safety number stays', async () => {
  const { client } = setup()
  const bob = client.controls.contactId('bob')
  const before = value(await client.request({ type: 'contact.info', contactId: bob }))
  client.controls.contactDevicesChanged(bob, 'device_added')
  const after = value(await client.request({ type: 'contact.info', contactId: bob }))
  assert.deepEqual(after.safetyNumber, before.safetyNumber)
  assert.equal(after.contact.trust, before.contact.trust)
  const page = value(
    await client.request({
      type: 'messages.page',
      conversationId: before.contact.conversationId,
      before: null,
      limit: 1,
    }),
  )
  assert.deepEqual(page.messages[0]?.body, { kind: 'system', event: 'device_added' })
})
