/**
 * Issue 23: each relay reports its real state with a reason. A node with three relays — one that
 * works, one on a closed port, one whose address names the wrong relay identity — must say
 * "connected" for the first and "error" with a reason a person can act on for the other two,
 * within 15 s; a retry tries again at once.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { RelayHandle } from '@hestia/relay-node'
import type { RelayStatus } from '@hestia/core/client/api.ts'
import { TestPeer, startTestRelay, waitUntil } from './support/messenger-harness.ts'

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

describe('relay status with reasons', { timeout: 60_000 }, () => {
  let relay: RelayHandle
  let peer: TestPeer
  let good: string
  let dead: string
  let impostor: string

  before(async () => {
    relay = await startTestRelay()
    good = relay.multiaddrs[0]!
    const strangerId = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    dead = `/ip4/127.0.0.1/tcp/${await closedPort()}/ws/p2p/${await strangerId()}`
    // The working relay's host and port, another relay's identity: a swapped or stale address.
    impostor = good.replace(/\/p2p\/[^/]+$/, `/p2p/${await strangerId()}`)
    peer = await new TestPeer('alice', [good]).start()
    await peer.must({ type: 'identity.create', displayName: 'Alice' })
    await peer.must({ type: 'settings.addRelay', address: dead })
    await peer.must({ type: 'settings.addRelay', address: impostor })
  })

  after(async () => {
    await peer?.stop().catch(() => undefined)
    await relay?.stop()
  })

  async function states(): Promise<Map<string, RelayStatus>> {
    const status = await peer.must({ type: 'connectivity.status' })
    return new Map(status.relays.map((r) => [r.address, r]))
  }

  test('unreachable and wrong identity read as such, with a reason, within 15 s', async () => {
    const started = Date.now()
    await waitUntil(
      'both bad relays report an error',
      async () => {
        const now = await states()
        return now.get(dead)?.state === 'error' && now.get(impostor)?.state === 'error'
      },
      15_000,
    )
    const now = await states()
    console.log(
      `reasons after ${Date.now() - started} ms: ${[...now.values()].map((r) => `${r.state} ${r.error ?? ''}`).join(' | ')}`,
    )
    assert.equal(now.get(good)?.state, 'connected')
    assert.equal(now.get(good)?.error, null)
    assert.match(now.get(dead)?.error ?? '', /^unreachable: /)
    assert.match(now.get(impostor)?.error ?? '', /^wrong relay identity/)
    // The UI heard it without asking.
    assert.ok(
      peer.events.some(
        (e) =>
          e.type === 'connectivity.changed' &&
          e.connectivity.relays.some((r) => r.address === dead && r.state === 'error'),
      ),
    )
  })

  test('retry: the relay is tried again at once; unknown addresses are refused', async () => {
    const answer = await peer.must({ type: 'connectivity.retryRelay', address: dead })
    assert.equal(answer.relays.find((r) => r.address === dead)?.state, 'connecting')
    await waitUntil(
      'the retried relay fails again, with its reason',
      async () => (await states()).get(dead)?.state === 'error',
      15_000,
    )
    const unknown = await peer.req({
      type: 'connectivity.retryRelay',
      address: `${dead.slice(0, -4)}AAAA`,
    })
    assert.equal(unknown.ok, false)
    if (!unknown.ok) assert.equal(unknown.error.code, 'not_found')
  })

  test('a typed address with a wrong part is refused with the part named', async () => {
    const res = await peer.req({
      type: 'settings.addRelay',
      address: '/dns4/relay.example.org/tcp/99999/wss/p2p/12D3KooWabc',
    })
    assert.equal(res.ok, false)
    if (!res.ok) {
      assert.equal(res.error.code, 'relay_address_invalid')
      assert.match(res.error.message, /^port: /)
    }
  })
})
