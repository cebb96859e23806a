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

  test('production refuses every spelling of a non-public IP host a peer could hand us', () => {
    const refusedEverywhere = [
      // IPv4-mapped IPv6: the loopback and private ranges in disguise, in several spellings.
      '/ip6/::ffff:127.0.0.1/tcp/443/wss',
      '/ip6/0:0:0:0:0:ffff:7f00:1/tcp/443/wss',
      '/ip6/::FFFF:C0A8:0104/tcp/443/wss',
      '/ip6/::ffff:8.8.8.8/tcp/443/wss',
      '/ip6/fec0::1/tcp/443/wss',
      '/ip6/feff:1::1/tcp/443/wss',
      '/ip6/fe80::1/tcp/443/wss',
      '/ip6/fd00::1/tcp/443/wss',
      '/ip6/ff02::1/tcp/443/wss',
      '/ip6/::/tcp/443/wss',
      '/ip6/::7f00:1/tcp/443/wss',
      '/ip6/64:ff9b::7f00:1/tcp/443/wss',
      '/ip4/198.18.0.1/tcp/443/wss',
      '/ip4/198.19.255.254/tcp/443/wss',
      '/ip4/224.0.0.1/tcp/443/wss',
      '/ip4/239.255.255.250/tcp/443/wss',
      '/ip4/240.0.0.1/tcp/443/wss',
      '/ip4/255.255.255.255/tcp/443/wss',
      '/ip4/0.0.0.0/tcp/443/wss',
      '/ip4/169.254.169.254/tcp/443/wss',
      '/ip4/100.64.0.1/tcp/443/wss',
      '/ip4/192.0.0.8/tcp/443/wss',
    ]
    for (const address of refusedEverywhere) {
      assert.equal(allowed(address, production), false, `${address} in production`)
      assert.equal(allowed(address, testBuild), false, `${address} in a test build`)
    }
    // Neighbours of the refused ranges stay reachable.
    for (const address of [
      '/ip4/198.17.255.1/tcp/443/wss',
      '/ip4/198.20.0.1/tcp/443/wss',
      '/ip4/223.255.255.1/tcp/443/wss',
      '/ip6/2001:4860:4860::8888/tcp/443/wss',
      '/ip6/fe00::1/tcp/443/wss',
    ]) {
      assert.ok(allowed(address, production), address)
    }
  })

  test('DNS names: local-only names are refused, public names need wss', () => {
    for (const address of [
      '/dns4/router/tcp/443/wss',
      '/dns4/printer.local/tcp/443/wss',
      '/dns6/nas.home.arpa/tcp/443/wss',
      '/dns/db.internal/tcp/443/wss',
      '/dns4/box.lan/tcp/443/wss',
      '/dns4/127.0.0.1/tcp/443/wss',
    ]) {
      assert.equal(allowed(address, production), false, address)
    }
    assert.equal(allowed('/dns4/app.localhost/tcp/443/wss', production), false)
    assert.ok(allowed('/dns4/app.localhost/tcp/443/ws', testBuild))
    assert.ok(allowed('/dns/relay.example.org./tcp/443/wss', production))
    assert.equal(allowed('/dnsaddr/relay.example.org/tcp/80/ws', production), false)
  })

  test('IPv4-mapped loopback is refused even in test builds (only real loopback is allowed)', () => {
    assert.equal(allowed('/ip6/::ffff:127.0.0.1/tcp/4001/ws', testBuild), false)
    assert.ok(allowed('/ip4/127.8.9.10/tcp/4001/ws', testBuild))
  })

  test('the gater hook says deny exactly when the policy refuses', () => {
    const deny = denyDialMultiaddr(production)
    assert.equal(deny(multiaddr('/ip4/127.0.0.1/tcp/1/ws')), true)
    assert.equal(deny(multiaddr('/dns4/relay.example.org/tcp/443/wss')), false)
  })
})
