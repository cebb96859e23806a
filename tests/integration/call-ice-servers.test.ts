/**
 * `call.iceServers` through a real messenger and a real relay that hands out TURN credentials
 * (ADR 0450, 0452): the call window gets the relay's own TURN server with a credential coturn would
 * accept (HMAC-SHA1 of the expiry under the shared secret), never a TURN server on another host the
 * relay names, and nothing at all in relay-only mode.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import type { RelayHandle } from '@hestia/relay-node'
import { startLoopbackRelay } from './support/loopback-relay.ts'
import { TestPeer, releaseWebRTC } from './support/messenger-harness.ts'

const SECRET = 'a-long-shared-secret-for-coturn'
const OWN_TURN = 'turn:127.0.0.1:3479?transport=udp'
const ELSEWHERE_TURN = 'turn:turn.elsewhere.example:3478'
const TTL_S = 3_600

describe('call.iceServers from the relay (ADR 0452)', () => {
  let relay: RelayHandle
  let alice: TestPeer

  before(async () => {
    relay = await startLoopbackRelay({
      turn: { urls: [OWN_TURN, ELSEWHERE_TURN], secret: SECRET, ttlSeconds: TTL_S },
    })
    alice = new TestPeer('alice', relay.multiaddrs)
    await alice.start()
    await alice.must({ type: 'identity.create', displayName: 'Alice' })
  })

  after(async () => {
    await alice.stop()
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test("the relay's own TURN server with a credential coturn accepts; not the one elsewhere", async () => {
    const asked = Date.now()
    const { iceServers } = await alice.must({ type: 'call.iceServers' })
    // A loopback relay needs no STUN; TURN on its own address is kept.
    assert.equal(iceServers.length, 1, JSON.stringify(iceServers))
    const [turn] = iceServers
    assert.deepEqual(turn!.urls, [OWN_TURN], 'the TURN server on another host is left out')
    const expiresS = Number(turn!.username)
    assert.ok(
      expiresS * 1000 >= asked + (TTL_S - 5) * 1000 && expiresS * 1000 <= Date.now() + TTL_S * 1000,
      `expiry ${expiresS} about an hour from now`,
    )
    const expected = createHmac('sha1', SECRET).update(turn!.username!).digest('base64')
    assert.equal(turn!.credential, expected, 'the credential coturn recomputes')

    // Asked again soon after: the same credential (half its lifetime is left).
    const again = await alice.must({ type: 'call.iceServers' })
    assert.equal(again.iceServers[0]!.credential, turn!.credential)
  })

  test('relay-only mode: refused like a call, nothing handed out', async () => {
    await alice.must({ type: 'settings.update', patch: { relayOnly: true } })
    const answer = await alice.req({ type: 'call.iceServers' })
    assert.equal(answer.ok, false)
    assert.equal(!answer.ok && answer.error.code, 'invalid_state')
  })
})
