import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ok, type ClientEvent } from './api.ts'
import { StoreFullError } from '../store/store.ts'
import {
  ClientApiError,
  ClientEventHub,
  createDispatcher,
  createLocalClient,
  serveThroughClient,
} from './dispatch.ts'
import { createFixtureClient, createManualClock } from '../../test-support/fixture-client.ts'
import { handlersWith } from '../../test-support/client-handlers.ts'
import { connectPortClient, createPortPair, serveClientPort } from './port.ts'
import type { ClientPort, Timers } from './port.ts'

const dispatch = createDispatcher(
  handlersWith({
    'identity.status': () =>
      Promise.resolve(
        ok({ state: 'ready', displayName: 'Robin', fingerprint: 'abc', createdAt: 1 }),
      ),
    'messages.send': (request) => {
      if (request.text === 'blocked') throw new ClientApiError('key_changed', 'verify first')
      if (request.text === 'full') throw new StoreFullError()
      throw new TypeError('bug in handler')
    },
  }),
)

/** Manual timers: nothing fires until the test says so. */
function manualTimers(): Timers & { fireAll(): void } {
  const timers = new Map<number, () => void>()
  let next = 0
  return {
    setTimeout: (run) => {
      timers.set(++next, run)
      return next
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number)
    },
    fireAll: () => {
      for (const [handle, run] of [...timers]) {
        timers.delete(handle)
        run()
      }
    },
  }
}

function servedPair(hub = new ClientEventHub()) {
  let connects = 0
  const nodeSides: ClientPort[] = []
  const client = connectPortClient(() => {
    connects++
    const [uiSide, nodeSide] = createPortPair()
    nodeSides.push(nodeSide)
    serveClientPort(nodeSide, dispatch, hub)
    return uiSide
  })
  return { client, hub, nodeSides, connects: () => connects }
}

describe('client API over a port', () => {
  test('requests get typed results and typed failures', async () => {
    const { client } = servedPair()
    const status = await client.request({ type: 'identity.status' })
    assert.deepEqual(status, {
      ok: true,
      value: { state: 'ready', displayName: 'Robin', fingerprint: 'abc', createdAt: 1 },
    })
    const codes = []
    for (const text of ['blocked', 'full', 'other']) {
      const response = await client.request({ type: 'messages.send', conversationId: 'c', text })
      codes.push(response.ok ? 'ok' : response.error.code)
    }
    assert.deepEqual(codes, ['key_changed', 'storage_full', 'internal'])
    const missing = await client.request({ type: 'call.current' })
    assert.equal(missing.ok ? 'ok' : missing.error.code, 'unsupported')
  })

  test('a malformed request is answered with invalid_request, not dropped', async () => {
    const [uiSide, nodeSide] = createPortPair()
    serveClientPort(nodeSide, dispatch, new ClientEventHub())
    const answers: unknown[] = []
    uiSide.onMessage((message) => answers.push(message))
    uiSide.postMessage({ kind: 'request', id: 5, request: { type: 'messages.send', text: 1 } })
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.equal(answers.length, 1)
    const answer = answers[0] as { id: number; response: { ok: boolean; error: { code: string } } }
    assert.deepEqual(
      [answer.id, answer.response.ok, answer.response.error.code],
      [5, false, 'invalid_request'],
    )
  })

  test('events reach subscribers; malformed events are dropped and reported', async () => {
    const invalid: unknown[] = []
    const [uiSide, nodeSide] = createPortPair()
    const hub = new ClientEventHub()
    serveClientPort(nodeSide, dispatch, hub)
    const client = connectPortClient(() => uiSide, { onInvalidMessage: (e) => invalid.push(e) })
    const heard: ClientEvent[] = []
    client.subscribe((event) => heard.push(event))
    hub.emit({ type: 'conversation.removed', conversationId: 'c1' })
    nodeSide.postMessage({ kind: 'event', event: { type: 'conversation.removed' } })
    nodeSide.postMessage({ kind: 'response', id: 999, response: { ok: true, value: {} } })
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual(heard, [{ type: 'conversation.removed', conversationId: 'c1' }])
    assert.equal(invalid.length, 2)
  })

  test('a node that does not answer times the request out', async () => {
    const timers = manualTimers()
    const [uiSide] = createPortPair() // nobody serves the other side
    const client = connectPortClient(() => uiSide, { timers, timeoutMs: 1_000 })
    const pending = client.request({ type: 'identity.status' })
    timers.fireAll()
    const response = await pending
    assert.equal(response.ok ? 'ok' : response.error.code, 'timeout')
  })

  test('when the node goes away, pending requests fail as unavailable and the next one reconnects', async () => {
    const { client, nodeSides, connects } = servedPair()
    const states: string[] = []
    client.onConnectionChange((state) => states.push(state))
    assert.ok((await client.request({ type: 'identity.status' })).ok)
    // The node's document dies.
    nodeSides[0]?.disconnect()
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual(states, ['connected', 'disconnected'])
    const after = await client.request({ type: 'identity.status' })
    assert.ok(after.ok)
    assert.equal(connects(), 2)
    assert.deepEqual(states, ['connected', 'disconnected', 'connected'])
  })

  test('pending requests resolve unavailable on disconnect', async () => {
    const [uiSide, nodeSide] = createPortPair() // the node side never answers
    const client = connectPortClient(() => uiSide)
    const pending = client.request({ type: 'identity.status' })
    nodeSide.disconnect()
    const response = await pending
    assert.equal(response.ok ? 'ok' : response.error.code, 'unavailable')
    client.close()
  })

  test('100 popups opened and closed leave no subscriber behind on the host (issue #24)', async () => {
    const hub = new ClientEventHub()
    for (let i = 0; i < 100; i++) {
      const [uiSide, nodeSide] = createPortPair()
      serveClientPort(nodeSide, dispatch, hub)
      const client = connectPortClient(() => uiSide)
      const response = await client.request({ type: 'identity.status' })
      assert.ok(response.ok)
      assert.equal(hub.subscriberCount, 1, 'the open popup is subscribed')
      uiSide.disconnect() // the popup closes: only the host's side hears it
      await new Promise((r) => setTimeout(r, 0))
      assert.equal(hub.subscriberCount, 0, `popup ${i + 1}'s subscriber is gone once it closed`)
      client.close()
    }
    hub.emit({ type: 'conversation.removed', conversationId: 'c1' }) // no closed port is posted to
  })

  test('the fixture client can be served over a port for UI work in the extension', async () => {
    const fixture = createFixtureClient({
      clock: createManualClock(Date.UTC(2026, 10, 23)),
      longHistory: 20,
    })
    const { dispatch: fixtureDispatch, hub } = serveThroughClient(fixture)
    const [uiSide, nodeSide] = createPortPair()
    serveClientPort(nodeSide, fixtureDispatch, hub)
    const client = connectPortClient(() => uiSide)
    const heard: ClientEvent[] = []
    client.subscribe((event) => heard.push(event))
    const list = await client.request({ type: 'conversations.list', query: 'bob' })
    assert.ok(list.ok)
    const bob = list.value.conversations[0]
    assert.ok(bob)
    const sent = await client.request({
      type: 'messages.send',
      conversationId: bob.conversationId,
      text: 'hi',
    })
    assert.ok(sent.ok)
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.ok(
      heard.some(
        (e) => e.type === 'message.added' && e.message.messageId === sent.value.message.messageId,
      ),
    )
  })

  test('the local client behaves like the port client', async () => {
    const hub = new ClientEventHub()
    const local = createLocalClient(dispatch, hub)
    const heard: ClientEvent[] = []
    const unsubscribe = local.subscribe((event) => heard.push(event))
    const response = await local.request({
      type: 'messages.send',
      conversationId: 'c',
      text: 'blocked',
    })
    assert.equal(response.ok ? 'ok' : response.error.code, 'key_changed')
    hub.emit({ type: 'conversation.removed', conversationId: 'x' })
    unsubscribe()
    hub.emit({ type: 'conversation.removed', conversationId: 'y' })
    assert.deepEqual(heard, [{ type: 'conversation.removed', conversationId: 'x' }])
  })
})
