// From an accepted list to store changes: devices written once, a removed device's record and
// session deleted at once, listed devices without a session named, this device never a target.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../../test-support/deterministic.ts'
import { makeIdentityWithDevices } from '../../../test-support/device-fixtures.ts'
import type { DeviceRecord, SessionRecord } from '../../store/records.ts'
import { deviceIdOf } from '../net.ts'
import { issueDeviceList } from './device-list.ts'
import { removeDevice } from './list-updates.ts'
import { planDeviceStore } from './store-plan.ts'

const p = testPlatform('store-plan')
const alice = makeIdentityWithDevices(p, 2)
const v1 = issueDeviceList(alice.identity, {
  previousVersion: 0,
  now: p.clock(),
  devices: alice.devices.map((d) => d.entry),
})
const ids = v1.devices.map((d) => deviceIdOf(d.peerId))

const session = (deviceId: string): SessionRecord => ({
  contactId: 'c1',
  deviceId,
  state: new Uint8Array(1),
  version: 1,
  updatedAt: 0,
})

test('a first list: every device recorded and needing a session', () => {
  const plan = planDeviceStore({ owner: 'c1', list: v1, devices: [], sessions: [] })
  assert.deepEqual(
    plan.putDevices.map((d) => d.deviceId),
    ids,
  )
  assert.deepEqual(
    plan.needSession.map((d) => deviceIdOf(d.peerId)),
    ids,
  )
  assert.deepEqual(plan.deleteDevices, [])
  assert.deepEqual(plan.endSessions, [])
  assert.deepEqual(plan.putDevices[1]!.certificate, v1.devices[1]!.certificate)
})

test('a revocation: the removed device loses its record and its session, nothing else moves', () => {
  const stored: DeviceRecord[] = planDeviceStore({
    owner: 'c1',
    list: v1,
    devices: [],
    sessions: [],
  }).putDevices
  const v2 = removeDevice(alice.identity, v1, v1.devices[1]!.deviceKey, p.clock() + 1).list
  const plan = planDeviceStore({
    owner: 'c1',
    list: v2,
    devices: stored,
    sessions: ids.map(session),
  })
  assert.deepEqual(plan.deleteDevices, [ids[1]])
  assert.deepEqual(plan.endSessions, [ids[1]])
  assert.deepEqual(plan.putDevices, [])
  assert.deepEqual(plan.needSession, [])
})

test('our own list: this device is never written, ended or a target', () => {
  const plan = planDeviceStore({
    owner: 'self',
    list: v1,
    devices: [],
    sessions: [],
    thisDeviceId: ids[0]!,
  })
  assert.deepEqual(
    plan.putDevices.map((d) => d.deviceId),
    ids.slice(1),
  )
  assert.deepEqual(
    plan.needSession.map((d) => deviceIdOf(d.peerId)),
    ids.slice(1),
  )
})
