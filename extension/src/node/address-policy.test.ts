import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { denyDialMultiaddr, judgeAddress } from './address-policy.ts'

const testBuild = { allowLoopbackRelays: true }
const production = { allowLoopbackRelays: false }
const allowed = (address: string, policy: { allowLoopbackRelays: boolean }) =>
  judgeAddress(multiaddr(address).getComponents(), policy).allowed

const relayId = '12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'

describe('relay address policy', () => {
  test('test builds reach loopback relays over ws and wss, IPv4 and IPv6', () => {
    assert.ok(allowed('/ip4/127.0.0.1/tcp/4001/ws', testBuild))
    assert.ok(allowed('/ip6/::1/tcp/4001/ws', testBuild))
    assert.ok(allowed('/dns4/localhost/tcp/4001/wss', testBuild))
    assert.ok(
      allowed(
        `/ip4/127.0.0.1/tcp/4001/ws/p2p/${relayId}/p2p-circuit/webrtc/p2p/${relayId}`,
        testBuild,
      ),
    )
  })

  test('production refuses loopback, private addresses and plain ws', () => {
    assert.equal(allowed('/ip4/127.0.0.1/tcp/4001/ws', production), false)
    assert.equal(allowed('/ip6/::1/tcp/4001/wss', production), false)
    assert.equal(allowed('/ip4/192.168.1.4/tcp/443/wss', production), false)
    assert.equal(allowed('/ip4/10.0.0.1/tcp/443/wss', production), false)
    assert.equal(allowed('/dns4/relay.example.org/tcp/80/ws', production), false)
    assert.equal(allowed('/ip4/203.0.113.7/tcp/4001', production), false)
  })

  test('production reaches public wss relays and circuits through them', () => {
    assert.ok(allowed('/dns4/relay.example.org/tcp/443/wss', production))
    assert.ok(allowed('/ip4/203.0.113.7/tcp/443/tls/ws', production))
    assert.ok(
      allowed(
        `/dns4/relay.example.org/tcp/443/wss/p2p/${relayId}/p2p-circuit/webrtc/p2p/${relayId}`,
        production,
      ),
    )
  })

  test('private addresses stay refused even in test builds', () => {
    assert.equal(allowed('/ip4/192.168.1.4/tcp/4001/ws', testBuild), false)
  })

  test('the gater hook says deny exactly when the policy refuses', () => {
    const deny = denyDialMultiaddr(production)
    assert.equal(deny(multiaddr('/ip4/127.0.0.1/tcp/1/ws')), true)
    assert.equal(deny(multiaddr('/dns4/relay.example.org/tcp/443/wss')), false)
  })
})
