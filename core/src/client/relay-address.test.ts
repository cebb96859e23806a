// A relay address typed by hand is checked part by part, with a hint naming the wrong part.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkRelayAddress, relayName, RELAY_ADDRESS_EXAMPLE } from './relay-address.ts'

const ID = '12D3KooWLRPJAA5o6XhCQ3gmXoUmnVsfgpBTqm6pcjwNWFgiv6ig'

function partOf(text: string): string {
  const checked = checkRelayAddress(text)
  return checked.ok ? 'ok' : checked.part
}

describe('checkRelayAddress', () => {
  test('accepts what relays print', () => {
    for (const address of [
      `/dns4/relay.example.org/tcp/443/wss/p2p/${ID}`,
      `/dns/relay.example.org/tcp/443/tls/ws/p2p/${ID}`,
      `/ip4/127.0.0.1/tcp/4510/ws/p2p/${ID}`,
      `/ip6/::1/tcp/4510/ws/p2p/${ID}`,
      `  /ip4/203.0.113.7/tcp/443/wss/p2p/${ID}  `,
    ])
      assert.equal(partOf(address), 'ok', address)
    const checked = checkRelayAddress(`/dns4/relay.example.org/tcp/443/wss/p2p/${ID}`)
    assert.deepEqual(checked, {
      ok: true,
      host: 'relay.example.org',
      port: 443,
      secure: true,
      peerId: ID,
    })
  })

  test('names the wrong part and always shows an example', () => {
    const cases: [string, string, RegExp][] = [
      ['wss://relay.example.org', 'whole', /web address/],
      ['relay.example.org', 'whole', /starts with "\/"/],
      [`/udp/relay.example.org/tcp/443/wss/p2p/${ID}`, 'host', /\/dns4\//],
      [`/ip4/300.1.1.1/tcp/443/wss/p2p/${ID}`, 'host', /not an IPv4 address/],
      [`/dns4/bad_host!/tcp/443/wss/p2p/${ID}`, 'host', /not a valid host name/],
      [`/dns4/relay.example.org/udp/443/wss/p2p/${ID}`, 'port', /\/tcp\//],
      [`/dns4/relay.example.org/tcp/99999/wss/p2p/${ID}`, 'port', /not a port number/],
      [`/dns4/relay.example.org/tcp/443/http/p2p/${ID}`, 'transport', /\/wss/],
      ['/dns4/relay.example.org/tcp/443/wss', 'identity', /relay key is missing/],
      ['/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWshort', 'identity', /not valid/],
      [`/dns4/relay.example.org/tcp/443/wss/p2p/${ID}/extra`, 'identity', /Nothing may follow/],
      [`/dns4/relay.example.org/tcp/443/wss/p2p/${ID.replace('L', '0')}`, 'identity', /not valid/],
    ]
    for (const [address, part, hint] of cases) {
      const checked = checkRelayAddress(address)
      assert.equal(checked.ok, false, address)
      if (checked.ok) continue
      assert.equal(checked.part, part, address)
      assert.match(checked.hint, hint, address)
      assert.ok(checked.hint.endsWith(`Example: ${RELAY_ADDRESS_EXAMPLE}`), address)
    }
  })

  test('plain TCP only where asked (Node.js peers; a browser cannot dial it)', () => {
    const tcp = `/ip4/127.0.0.1/tcp/4001/p2p/${ID}`
    assert.equal(partOf(tcp), 'transport')
    assert.equal(checkRelayAddress(tcp, { allowPlainTcp: true }).ok, true)
  })

  test('an overlong address is refused, not cut', () => {
    assert.equal(partOf(`/dns4/${'a'.repeat(600)}/tcp/443/wss/p2p/${ID}`), 'whole')
  })
})

describe('relayName', () => {
  test('host and port; IPv6 in brackets', () => {
    assert.equal(
      relayName(`/dns4/relay.example.org/tcp/443/wss/p2p/${ID}`),
      'relay.example.org:443',
    )
    assert.equal(relayName(`/ip4/127.0.0.1/tcp/4510/ws/p2p/${ID}`), '127.0.0.1:4510')
    assert.equal(relayName(`/ip6/::1/tcp/4510/ws/p2p/${ID}`), '[::1]:4510')
  })
})
