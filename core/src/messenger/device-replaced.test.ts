// The replacement notice (ADR 0524): only a holder of our identity secret can tell this device it
// was replaced, only this device, and only with a real certificate of another device of ours.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform } from '../crypto/platform.ts'
import { isProtocolError } from '../wire/errors.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import { createLocalIdentity } from './identity.ts'
import {
  isReplacementNotice,
  makeReplacementNotice,
  markReplaced,
  openReplacementNotice,
} from './device-replaced.ts'
import { decodeSecrets } from './secrets.ts'

async function devices() {
  const old = await createLocalIdentity(systemPlatform, 'Ada')
  const restored = await createLocalIdentity(systemPlatform, 'Ada', old.secrets.identitySecret)
  const stranger = await createLocalIdentity(systemPlatform, 'Eve')
  const own = { identityPublicKey: old.record.identityPublicKey, deviceId: old.record.deviceId }
  return { old, restored, stranger, own }
}

test('a notice from the restored device opens on the old one and names the new device', async () => {
  const { old, restored, own } = await devices()
  const at = Date.now()
  const frame = makeReplacementNotice(
    old.secrets.identitySecret,
    old.record.deviceId,
    restored.record.deviceCertificate,
    at,
  )
  assert.ok(isReplacementNotice(frame))
  assert.deepEqual(openReplacementNotice(frame, own, at), {
    at,
    byDeviceId: restored.record.deviceId,
  })
})

test('forged, misaddressed or altered notices are refused', async () => {
  const { old, restored, stranger, own } = await devices()
  const now = Date.now()
  const refused = (frame: Uint8Array, what: string) =>
    assert.throws(() => openReplacementNotice(frame, own, now), isProtocolError, what)
  // Signed by another identity (a contact knows the mailbox capability, not our secret).
  refused(
    makeReplacementNotice(
      stranger.secrets.identitySecret,
      old.record.deviceId,
      restored.record.deviceCertificate,
      now,
    ),
    'another identity',
  )
  // Ours, but for another device of ours.
  refused(
    makeReplacementNotice(
      old.secrets.identitySecret,
      restored.record.deviceId,
      restored.record.deviceCertificate,
      now,
    ),
    'names another device',
  )
  // A certificate of another identity, or our own device "replacing" itself.
  refused(
    makeReplacementNotice(
      old.secrets.identitySecret,
      old.record.deviceId,
      stranger.record.deviceCertificate,
      now,
    ),
    'foreign certificate',
  )
  refused(
    makeReplacementNotice(
      old.secrets.identitySecret,
      old.record.deviceId,
      old.record.deviceCertificate,
      now,
    ),
    'replaces itself',
  )
  const good = makeReplacementNotice(
    old.secrets.identitySecret,
    old.record.deviceId,
    restored.record.deviceCertificate,
    now,
  )
  for (let i = 16; i < good.length; i += 7) {
    const flipped = Uint8Array.from(good)
    flipped[i]! ^= 0x40
    refused(flipped, `byte ${i} flipped`)
  }
  refused(good.subarray(0, good.length - 5), 'cut')
  assert.equal(isReplacementNotice(new Uint8Array([0x0a, 0x01])), false, 'a protobuf frame')
})

test('marking is stored once, in the secrets, and survives a reload', async () => {
  const { old, restored } = await devices()
  const store = openMemoryStore()
  await store.putIdentity(old.record)
  const r = { at: 5, byDeviceId: restored.record.deviceId }
  assert.equal(await markReplaced(store, r), true)
  assert.equal(await markReplaced(store, { ...r, at: 6 }), false, 'the first one stays')
  assert.deepEqual(decodeSecrets((await store.getIdentity())!.secretKeys).replaced, r)
})
