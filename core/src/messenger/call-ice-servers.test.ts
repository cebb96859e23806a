// The call window's ICE servers (ADR 0452): TURN credentials fetched fresh from the user's own
// relays, reused only while at least half their lifetime is left, never past their expiry.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CallIceServers, TURN_RELAYS } from './call-ice-servers.ts'
import type { TurnOffer } from '../client/api/ice-servers.ts'

const ID = '12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'
const HOME = `/dns4/home.example.org/tcp/443/wss/p2p/${ID}`
const SECOND = `/dns4/second.example.org/tcp/443/wss/p2p/${ID}`
const THIRD = `/dns4/third.example.org/tcp/443/wss/p2p/${ID}`
const HOUR = 3_600_000

function setup(relays: string[], lifetimeMs = 12 * HOUR) {
  let now = 1_800_000_000_000
  const asked: string[] = []
  let answer: 'ok' | 'fail' | 'hang' = 'ok'
  const logged: string[] = []
  const ice = new CallIceServers({
    relays: () => relays,
    turnOffers: (relay) => {
      asked.push(relay)
      if (answer === 'fail') return Promise.reject(new Error('relay unreachable'))
      if (answer === 'hang') return new Promise<never>(() => undefined)
      const host = /^\/dns4\/([^/]+)\//.exec(relay)![1]!
      const expiresAtMs = now + lifetimeMs
      const offer: TurnOffer = {
        urls: [`turn:${host}:3478`],
        username: String(Math.floor(expiresAtMs / 1000)),
        credential: `cred-${now}`,
        expiresAtMs: BigInt(expiresAtMs),
      }
      return Promise.resolve([offer])
    },
    clock: () => now,
    log: (m) => logged.push(m),
    fetchWaitMs: 50,
  })
  return {
    ice,
    asked,
    logged,
    advance: (ms: number) => (now += ms),
    answer: (a: typeof answer) => (answer = a),
  }
}

const turnOf = (servers: { urls: string[]; credential: string | null }[]) =>
  servers.filter((s) => s.urls[0]!.startsWith('turn:'))

describe('call ICE servers', () => {
  test('STUN and TURN of the home relays; a third relay is not asked', async () => {
    const { ice, asked } = setup([HOME, SECOND, THIRD])
    const servers = await ice.current()
    assert.deepEqual(servers[0]!.urls, [
      'stun:home.example.org:3478',
      'stun:second.example.org:3478',
    ])
    assert.deepEqual(
      turnOf(servers).map((s) => s.urls[0]),
      ['turn:home.example.org:3478', 'turn:second.example.org:3478'],
    )
    assert.equal(asked.length, TURN_RELAYS)
  })

  test('reused while half the lifetime is left, fetched fresh after', async () => {
    const { ice, asked, advance } = setup([HOME])
    const first = turnOf(await ice.current())[0]!.credential
    advance(6 * HOUR - 1)
    assert.equal(turnOf(await ice.current())[0]!.credential, first, 'reused')
    assert.equal(asked.length, 1)
    advance(1)
    const second = turnOf(await ice.current())[0]!.credential
    assert.notEqual(second, first, 'a fresh credential')
    assert.equal(asked.length, 2)
  })

  test('a relay that fails or hangs: the earlier credential while it lasts, then none', async () => {
    const { ice, advance, answer, logged } = setup([HOME], 2 * 60_000)
    const first = turnOf(await ice.current())[0]!.credential
    answer('hang')
    advance(60_000) // half the lifetime: asked again, no answer within the wait
    assert.equal(turnOf(await ice.current())[0]!.credential, first, 'still a minute left')
    answer('fail')
    advance(1)
    assert.deepEqual(turnOf(await ice.current()), [], 'less than a minute left: no TURN')
    assert.ok(logged.length >= 2, 'each failed ask is logged')
    answer('ok')
    assert.equal(turnOf(await ice.current()).length, 1, 'back once the relay answers')
  })

  test('no relays, no servers', async () => {
    assert.deepEqual(await setup([]).ice.current(), [])
  })

  test('calls at once share one ask per relay', async () => {
    const { ice, asked } = setup([HOME])
    await Promise.all([ice.current(), ice.current(), ice.current()])
    assert.equal(asked.length, 1)
  })
})
