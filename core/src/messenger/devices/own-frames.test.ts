// Own-device frames (ADR 0762): only the pair's key opens one, for the device it was sealed to,
// from the device it names; anything else is refused with a typed error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../../test-support/deterministic.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { OWN_FRAME_KIND, openOwnFrame, ownFrameSender, sealOwnFrame } from './own-frames.ts'
import type { OwnFrameKind } from './own-frames.ts'

const p = testPlatform('own-frames')
const key = p.random(32)
const a1 = p.random(38)
const a2 = p.random(38)
const body = new Uint8Array([1, 2, 3, 4])
const seal = (k = key, from = a1, to = a2, kind: OwnFrameKind = OWN_FRAME_KIND.sentCopy) =>
  sealOwnFrame(k, from, to, { kind, body }, p.random)

test('a frame opens under the key, for the device it was sealed to, naming its sender', () => {
  const frame = seal()
  assert.deepEqual(ownFrameSender(frame), a1)
  assert.deepEqual(openOwnFrame(key, a2, frame), { kind: OWN_FRAME_KIND.sentCopy, body })
  for (const kind of Object.values(OWN_FRAME_KIND))
    assert.equal(openOwnFrame(key, a2, seal(key, a1, a2, kind)).kind, kind)
})

test('another key, another recipient, a changed sender or byte: decrypt_failed', () => {
  const frame = seal()
  const refused = (k: Uint8Array, to: Uint8Array, bytes: Uint8Array) =>
    assert.throws(
      () => openOwnFrame(k, to, bytes),
      (err) => isProtocolError(err, 'decrypt_failed'),
    )
  refused(p.random(32), a2, frame)
  refused(key, a1, frame) // sealed to A2, replayed to A1
  const otherSender = frame.slice()
  otherSender[2] = otherSender[2]! ^ 1 // names another device as its sender
  refused(key, a2, otherSender)
  const flipped = frame.slice()
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1
  refused(key, a2, flipped)
})

test('a bad version, a short frame or a sender of impossible length is malformed', () => {
  const frame = seal()
  for (const bad of [
    new Uint8Array(0),
    Uint8Array.of(2, ...frame.subarray(1)),
    frame.subarray(0, 40),
    Uint8Array.of(1, 0, ...frame.subarray(2)),
    Uint8Array.of(1, 200, ...frame.subarray(2)),
  ]) {
    assert.throws(
      () => openOwnFrame(key, a2, bad),
      (err) => isProtocolError(err, 'malformed'),
    )
  }
  assert.throws(() => sealOwnFrame(key, new Uint8Array(0), a2, { kind: 1, body }, p.random))
})
