/**
 * Messenger.stop() with an incoming message still being processed (ADR 0527 "Known", ADR 0751):
 * stop() waits for that frame and for the delivery receipt it causes, so once stop() resolves
 * nothing touches the store (the host closes it, or the vault forgets its key, right after). The
 * receipt is in the outbox by then: after the next start the sender sees "delivered".
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import type { MessengerStore } from '@hestia/core/store/index.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

let relay: RelayHandle
let alice: TestPeer
let bob: TestPeer
let convA = ''
let convB = ''

before(async () => {
  relay = await startTestRelay()
  alice = new TestPeer('alice', relay.multiaddrs)
  bob = new TestPeer('bob', relay.multiaddrs)
  // Receipts wait well past the stop: only stop() can hand this one to the outbox.
  alice.receiptDelay = { minMs: 30_000, maxMs: 30_000 }
  await alice.start()
  await bob.start()
  ;({ convA, convB } = await connectPeers(alice, bob))
})

after(async () => {
  await alice?.stop().catch(() => undefined)
  await bob?.stop().catch(() => undefined)
  await relay?.stop().catch(() => undefined)
  releaseWebRTC()
})

/**
 * Holds the store's next write transaction until `release()` and slows every later one (a busy
 * IndexedDB), and records every store call made or still running once `closed` is set (what a
 * closed or locked store would refuse).
 */
function instrument(store: MessengerStore) {
  const late: string[] = []
  const state = { closed: false, holding: false }
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => (release = resolve))
  const target = store as unknown as Record<string, unknown>
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue
    const original = value as (...args: unknown[]) => unknown
    target[name] = (...args: unknown[]) => {
      if (state.closed) late.push(name)
      const settled = () => void (state.closed && late.push(`${name} (finished late)`))
      if (name !== 'transaction' || state.holding) {
        const result =
          name === 'transaction'
            ? new Promise((r) => setTimeout(r, 1_000)).then(() => original(...args))
            : original(...args)
        if (result instanceof Promise) void result.then(settled, settled)
        return result
      }
      state.holding = true
      const result = held.then(() => original(...args))
      void result.then(settled, settled)
      return result
    }
  }
  return { late, state, release }
}

test('stop() waits for a message in flight and its receipt; the receipt goes out after restart', async () => {
  const store = instrument(alice.store)
  const { message } = await bob.must({
    type: 'messages.send',
    conversationId: convB,
    text: 'in flight at the stop',
  })
  await waitUntil('alice is committing bob’s message', () => store.state.holding)

  const stopped = alice.stop().then(() => void (store.state.closed = true))
  // Released once stop() resolved (it did not wait: the bug) or after a while (it waits).
  await Promise.race([stopped, new Promise((r) => setTimeout(r, 500))])
  store.release()
  await stopped
  // Give anything stop() left running the time to reach the store (2.5× a slowed transaction).
  await new Promise((r) => setTimeout(r, 2_500))
  assert.deepEqual(store.late, [], 'nothing touched the store after stop() resolved')

  await alice.start()
  const history = await alice.history(convA)
  assert.ok(
    history.some((m) => m.messageId === message.messageId),
    'the message in flight was stored',
  )
  await waitUntil('bob sees it delivered', async () => {
    const sent = await bob.history(convB)
    return sent.find((m) => m.messageId === message.messageId)?.delivery === 'delivered'
  })
})
