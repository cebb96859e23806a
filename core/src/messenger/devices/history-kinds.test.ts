// The history frame kinds (history.ts) are own-device frame kinds (own-frames.ts): a frame of each
// opens under the link key, and none collides with another kind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform as p } from '../../crypto/platform.ts'
import { HISTORY_FRAME_KIND } from './history.ts'
import { OWN_FRAME_KIND, openOwnFrame, sealOwnFrame } from './own-frames.ts'

test('every history kind is an own-device kind and opens', () => {
  const key = p.random(32)
  const [from, to] = [p.random(38), p.random(38)]
  for (const kind of Object.values(HISTORY_FRAME_KIND)) {
    assert.equal(Object.values(OWN_FRAME_KIND).filter((k) => k === kind).length, 1)
    const frame = sealOwnFrame(key, from, to, { kind, body: new Uint8Array([1, 2]) }, p.random)
    assert.equal(openOwnFrame(key, to, frame).kind, kind)
  }
})
