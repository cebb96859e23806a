// Which ICE servers our WebRTC may ask (ADR 0452): only the user's own relays, and TURN only as
// the relay hands it out, on its own host, while the credential lasts.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  MAX_TURN_URLS,
  TURN_MIN_REMAINING_MS,
  stunServersForRelays,
  toRtcIceServers,
  turnServersFromRelay,
  turnUrlHost,
  type TurnOffer,
} from './ice-servers.ts'

const ID = '12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'
const RELAY = `/dns4/relay.example.org/tcp/443/wss/p2p/${ID}`
const RELAY_IP = `/ip4/203.0.113.7/tcp/4001/ws/p2p/${ID}`
const RELAY_IP6 = `/ip6/2001:db8::7/tcp/4001/ws/p2p/${ID}`
const NOW = 1_800_000_000_000
const HOUR = 3_600_000

function offer(urls: string[], expiresAtMs = NOW + 12 * HOUR): TurnOffer {
  return {
    urls,
    username: String(Math.floor(expiresAtMs / 1000)),
    credential: 'c2VjcmV0LWhtYWMtc2hhMQ==',
    expiresAtMs: BigInt(expiresAtMs),
  }
}

describe('STUN servers for the node and the call window', () => {
  test("the relays' own hosts on the STUN port, at most two, IPv6 in brackets", () => {
    assert.deepEqual(stunServersForRelays([RELAY, RELAY_IP6, RELAY_IP]), [
      {
        urls: ['stun:relay.example.org:3478', 'stun:[2001:db8::7]:3478'],
        username: null,
        credential: null,
      },
    ])
  })

  test('loopback and private relays need none; no relay, no server (never a public default)', () => {
    const local = [
      `/ip4/127.0.0.1/tcp/4001/ws/p2p/${ID}`,
      `/ip4/192.168.1.20/tcp/4001/ws/p2p/${ID}`,
      `/ip4/10.1.2.3/tcp/4001/ws/p2p/${ID}`,
      `/ip4/172.20.0.1/tcp/4001/ws/p2p/${ID}`,
      `/dns4/localhost/tcp/4001/ws/p2p/${ID}`,
      `/ip6/::1/tcp/4001/ws/p2p/${ID}`,
      'not a multiaddr',
    ]
    assert.deepEqual(stunServersForRelays(local), [])
    assert.deepEqual(stunServersForRelays([]), [])
  })

  test('the same host twice is asked once', () => {
    const twice = [RELAY, RELAY.replace('/tcp/443/wss', '/tcp/4001/ws')]
    assert.deepEqual(stunServersForRelays(twice)[0]!.urls, ['stun:relay.example.org:3478'])
  })
})

describe('TURN servers from a relay’s info', () => {
  test('kept when on the relay’s own host, with the earliest expiry', () => {
    const got = turnServersFromRelay(
      RELAY,
      [
        offer(['turn:relay.example.org:3478?transport=udp', 'turns:RELAY.example.org:5349']),
        offer(['turn:relay.example.org'], NOW + 2 * HOUR),
      ],
      NOW,
    )
    assert.equal(got.servers.length, 2)
    assert.deepEqual(got.servers[0]!.urls, [
      'turn:relay.example.org:3478?transport=udp',
      'turns:RELAY.example.org:5349',
    ])
    assert.equal(got.servers[0]!.username, String(Math.floor((NOW + 12 * HOUR) / 1000)))
    assert.equal(got.expiresAtMs, NOW + 2 * HOUR)
  })

  test('a TURN server on another host is refused: it would learn our address', () => {
    const got = turnServersFromRelay(
      RELAY,
      [
        offer(['turn:turn.thirdparty.example:3478']),
        offer(['turn:relay.example.org.evil.example:3478']),
        offer(['turn:203.0.113.7:3478']),
      ],
      NOW,
    )
    assert.deepEqual(got, { servers: [], expiresAtMs: undefined })
    // The same address is the relay's own when the relay is named by it.
    assert.equal(
      turnServersFromRelay(RELAY_IP, [offer(['turn:203.0.113.7:3478'])], NOW).servers.length,
      1,
    )
    assert.equal(
      turnServersFromRelay(RELAY_IP6, [offer(['turn:[2001:DB8::7]:3478'])], NOW).servers.length,
      1,
    )
  })

  test('an expired credential, or one about to expire, is not used', () => {
    const urls = ['turn:relay.example.org:3478']
    assert.equal(turnServersFromRelay(RELAY, [offer(urls, NOW - 1)], NOW).servers.length, 0)
    const soon = NOW + TURN_MIN_REMAINING_MS - 1
    assert.equal(turnServersFromRelay(RELAY, [offer(urls, soon)], NOW).servers.length, 0)
    const enough = NOW + TURN_MIN_REMAINING_MS
    assert.equal(turnServersFromRelay(RELAY, [offer(urls, enough)], NOW).servers.length, 1)
  })

  test('malformed offers are dropped: bad URLs, empty or odd credentials, absurd expiry', () => {
    const good = offer(['turn:relay.example.org:3478'])
    const bad: TurnOffer[] = [
      offer([
        'stun:relay.example.org:3478',
        'http://relay.example.org/',
        'turn:relay.example.org:99999',
      ]),
      offer(['turn:relay.example.org:3478?transport=sctp', 'turn:relay.example.org/x']),
      { ...good, username: '' },
      { ...good, credential: 'has space' },
      { ...good, credential: 'x'.repeat(257) },
      { ...good, username: 'new\nline' },
      { ...good, expiresAtMs: 2n ** 62n },
      offer([`turn:relay.example.org:3478?transport=udp${'x'.repeat(300)}`]),
    ]
    assert.deepEqual(turnServersFromRelay(RELAY, bad, NOW).servers, [])
    assert.equal(turnUrlHost('turn:relay.example.org'), 'relay.example.org')
    assert.equal(turnUrlHost('turns:[::1]:5349?transport=tcp'), '::1')
    assert.equal(turnUrlHost('turn:user@relay.example.org'), undefined)
  })

  test(`at most ${MAX_TURN_URLS} TURN URLs in all, each once`, () => {
    const urls = Array.from({ length: 6 }, (_, i) => `turn:relay.example.org:${3478 + i}`)
    const got = turnServersFromRelay(
      RELAY,
      [offer([urls[0]!, urls[0]!, ...urls]), offer(urls)],
      NOW,
    )
    assert.deepEqual(
      got.servers.flatMap((s) => s.urls),
      urls.slice(0, MAX_TURN_URLS),
    )
  })

  test('as RTCPeerConnection takes them: no null fields', () => {
    const servers = [
      ...stunServersForRelays([RELAY]),
      ...turnServersFromRelay(RELAY, [offer(['turn:relay.example.org'])], NOW).servers,
    ]
    assert.deepEqual(toRtcIceServers(servers), [
      { urls: ['stun:relay.example.org:3478'] },
      {
        urls: ['turn:relay.example.org'],
        username: String(Math.floor((NOW + 12 * HOUR) / 1000)),
        credential: 'c2VjcmV0LWhtYWMtc2hhMQ==',
      },
    ])
  })
})
