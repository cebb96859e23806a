// The client API over a fake runtime port pair, through the real core client and server: what a
// page sees when the host answers, when it is not there yet, and when it goes away.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ok } from '@hestia/core/client/api.ts'
import { ClientEventHub, createDispatcher } from '@hestia/core/client/dispatch.ts'
import { handlersWith } from '@hestia/core/test-support/client-handlers.ts'
import { connectPortClient, serveClientPort } from '@hestia/core/client/port.ts'
import { serveClientPorts } from '../host/client-server.ts'
import type { MessageSender, WebExt, WebExtPort } from '../platform/webext.ts'
import { connectExtensionClient } from './extension-client.ts'
import { CLIENT_PORT_NAME, deferredPort, wrapRuntimePort } from './runtime-port.ts'

type Listener<T extends unknown[]> = (...args: T) => void

/** Two connected runtime ports; messages go through JSON like Chrome's, asynchronously. */
function runtimePortPair(
  name: string,
  sender: MessageSender = { id: 'abc', url: 'chrome-extension://abc/popup.html' },
): [WebExtPort, WebExtPort] {
  const make = () => ({
    message: new Set<Listener<[unknown]>>(),
    disconnect: new Set<Listener<[]>>(),
  })
  const sides = [make(), make()] as const
  let open = true
  const port = (self: (typeof sides)[number], other: (typeof sides)[number]): WebExtPort => ({
    name,
    sender,
    postMessage(message) {
      if (!open) throw new Error('Attempting to use a disconnected port object')
      const json = JSON.stringify(message)
      setTimeout(() => {
        if (open) for (const l of [...other.message]) l(JSON.parse(json))
      }, 0)
    },
    disconnect() {
      if (!open) return
      open = false
      setTimeout(() => {
        for (const l of [...other.disconnect]) l()
      }, 0)
    },
    onMessage: {
      addListener: (l) => self.message.add(l),
      removeListener: (l) => self.message.delete(l),
    },
    onDisconnect: {
      addListener: (l) => self.disconnect.add(l),
      removeListener: (l) => self.disconnect.delete(l),
    },
  })
  return [port(sides[0], sides[1]), port(sides[1], sides[0])]
}

/** A host serving identity.status with a given display name, and its event hub. */
function host(displayName: string) {
  const hub = new ClientEventHub()
  const dispatch = createDispatcher(
    handlersWith({
      'identity.status': () =>
        Promise.resolve(ok({ state: 'ready', displayName, fingerprint: 'AbCdEfGh', createdAt: 1 })),
    }),
  )
  const ports: WebExtPort[] = []
  return {
    hub,
    ports,
    accept(port: WebExtPort) {
      ports.push(port)
      serveClientPort(wrapRuntimePort(port), dispatch, hub)
    },
  }
}

describe('client API over runtime ports', () => {
  test('requests are answered and events pushed through wrapped runtime ports', async () => {
    const node = host('Ada')
    const client = connectPortClient(() => {
      const [page, hostSide] = runtimePortPair(CLIENT_PORT_NAME)
      node.accept(hostSide)
      return wrapRuntimePort(page)
    })
    const events: string[] = []
    client.subscribe((e) => events.push(e.type))
    const response = await client.request({ type: 'identity.status' })
    assert.ok(response.ok && response.value.state === 'ready')
    assert.equal(response.value.displayName, 'Ada')
    node.hub.emit({
      type: 'identity.changed',
      identity: { state: 'ready', displayName: 'Ada', fingerprint: 'AbCdEfGh', createdAt: 1 },
    })
    await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(events, ['identity.changed'])
    client.close()
  })

  test('a deferred port queues requests until the host is awake, then delivers them', async () => {
    const node = host('Ada')
    let wake!: () => void
    const awake = new Promise<void>((resolve) => (wake = resolve))
    const client = connectPortClient(() =>
      deferredPort(async () => {
        await awake
        const [page, hostSide] = runtimePortPair(CLIENT_PORT_NAME)
        node.accept(hostSide)
        return wrapRuntimePort(page)
      }),
    )
    const pending = client.request({ type: 'identity.status' })
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(node.ports.length, 0, 'nothing connects before the wake')
    wake()
    const response = await pending
    assert.ok(response.ok)
    client.close()
  })

  test('a failed wake answers unavailable, and the next request tries again', async () => {
    const node = host('Ada')
    let attempts = 0
    const client = connectPortClient(() =>
      deferredPort(() => {
        attempts++
        if (attempts === 1) return Promise.reject(new Error('Could not establish connection'))
        const [page, hostSide] = runtimePortPair(CLIENT_PORT_NAME)
        node.accept(hostSide)
        return Promise.resolve(wrapRuntimePort(page))
      }),
    )
    const first = await client.request({ type: 'identity.status' })
    assert.equal(first.ok ? 'ok' : first.error.code, 'unavailable')
    const second = await client.request({ type: 'identity.status' })
    assert.ok(second.ok)
    assert.equal(attempts, 2)
    client.close()
  })
})

describe('connectExtensionClient', () => {
  test('after the host goes away it reconnects by itself and reports it', async () => {
    let current = host('Ada')
    let wakes = 0
    const api = {
      runtime: {
        connect: ({ name }: { name: string }) => {
          const [page, hostSide] = runtimePortPair(name)
          current.accept(hostSide)
          return page
        },
      },
    } as unknown as WebExt
    let reconnected = 0
    const connection = connectExtensionClient(api, {
      wake: () => {
        wakes++
        return Promise.resolve()
      },
      onReconnected: () => reconnected++,
      retryDelayMs: 5,
    })
    const before = await connection.client.request({ type: 'identity.status' })
    assert.ok(before.ok && before.value.state === 'ready' && before.value.displayName === 'Ada')

    // The host document closes (its ports disconnect); a new one answers with other data.
    const gone = current
    current = host('Grace')
    for (const port of gone.ports) port.disconnect()
    const deadline = Date.now() + 2_000
    while (reconnected === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    assert.equal(reconnected, 1, 'the page was told to reload its state')
    assert.ok(wakes >= 2, 'the host was woken again')
    const after = await connection.client.request({ type: 'identity.status' })
    assert.ok(after.ok && after.value.state === 'ready' && after.value.displayName === 'Grace')
    connection.stop()
  })
})

describe('serveClientPorts (host side)', () => {
  function hostApi() {
    const listeners = new Set<(port: WebExtPort) => void>()
    const api = {
      runtime: {
        id: 'abc',
        getURL: (path: string) => `chrome-extension://abc/${path}`,
        onConnect: {
          addListener: (l: (port: WebExtPort) => void) => listeners.add(l),
          removeListener: (l: (port: WebExtPort) => void) => listeners.delete(l),
        },
      },
    } as unknown as WebExt
    const hub = new ClientEventHub()
    const dispatch = createDispatcher(
      handlersWith({ 'identity.status': () => Promise.resolve(ok({ state: 'none' })) }),
    )
    const stop = serveClientPorts(api, dispatch, hub)
    const connect = (name: string, sender: MessageSender) => {
      const [page, hostSide] = runtimePortPair(name, sender)
      for (const l of listeners) l(hostSide)
      return connectPortClient(() => wrapRuntimePort(page), { timeoutMs: 200 })
    }
    return { connect, stop }
  }

  test('serves this extension’s pages; refuses content scripts, other extensions, other names', async () => {
    const { connect, stop } = hostApi()
    const own = connect(CLIENT_PORT_NAME, { id: 'abc', url: 'chrome-extension://abc/popup.html' })
    const ownAnswer = await own.request({ type: 'identity.status' })
    assert.ok(ownAnswer.ok && ownAnswer.value.state === 'none')

    // A content script has our id but the web page's URL; its port is closed at once.
    const script = connect(CLIENT_PORT_NAME, { id: 'abc', url: 'https://example.org/' })
    const scriptAnswer = await script.request({ type: 'identity.status' })
    assert.equal(scriptAnswer.ok ? 'ok' : scriptAnswer.error.code, 'unavailable')

    const stranger = connect(CLIENT_PORT_NAME, { id: 'xyz', url: 'chrome-extension://xyz/a.html' })
    const strangerAnswer = await stranger.request({ type: 'identity.status' })
    assert.equal(strangerAnswer.ok ? 'ok' : strangerAnswer.error.code, 'unavailable')

    // Another port name is not ours to answer (nobody does: the request times out).
    const other = connect('something-else', { id: 'abc', url: 'chrome-extension://abc/popup.html' })
    const otherAnswer = await other.request({ type: 'identity.status' })
    assert.equal(otherAnswer.ok ? 'ok' : otherAnswer.error.code, 'timeout')
    for (const c of [own, script, stranger, other]) c.close()
    stop()
  })
})
