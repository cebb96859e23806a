/**
 * The Groups screen on a linked companion (issues 19/20, ADR 0762): the companion holds no identity
 * secret key, so it cannot sign the MLS credential that binds its leaf to Ada's identity. Its
 * `groups.list` answers (no groups) instead of an internal error, and a group action answers
 * `invalid_state` with a sentence; nothing is stored. The primary's groups still work.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { useDeviceTrio } from './support/device-trio.ts'

describe('groups on a linked companion', () => {
  const trio = useDeviceTrio()

  test('groups.list answers with no groups, not an internal error', async () => {
    const list = await trio.a2.req({ type: 'groups.list' })
    assert.ok(list.ok, `groups.list failed: ${list.ok ? '' : JSON.stringify(list.error)}`)
    assert.deepEqual(list.value.groups, [])
  })

  test('creating or sending in a group is refused with invalid_state and a sentence', async () => {
    const create = await trio.a2.req({ type: 'groups.create', name: 'Family' })
    assert.ok(!create.ok, 'a companion cannot create a group yet')
    assert.equal(create.error.code, 'invalid_state')
    assert.match(create.error.message, /linked device/)
    // A group of the primary is not on the companion: sending there is refused the same way.
    const { groupId } = await trio.a1.must({ type: 'groups.create', name: 'Family' })
    const send = await trio.a2.req({ type: 'groups.send', groupId, text: 'hi' })
    assert.ok(!send.ok)
    assert.equal(send.error.code, 'invalid_state')
    assert.match(send.error.message, /linked device/)
    assert.deepEqual((await trio.a2.must({ type: 'groups.list' })).groups, [])
    assert.equal(await trio.a2.store.getGroupDevice(), undefined, 'no group key stored')
    // The primary's groups are untouched.
    const onA1 = (await trio.a1.must({ type: 'groups.list' })).groups
    assert.deepEqual(
      onA1.map((g) => g.groupId),
      [groupId],
    )
  })
})
