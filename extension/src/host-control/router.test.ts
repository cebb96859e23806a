// The router and client over a fake WebExtension runtime that delivers messages like Chrome:
// to every listener, answering with the first sendResponse.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { MessageListener, MessageSender, WebExt } from '../platform/webext.ts'
import { HostClient } from './client.ts'
import { HostRequestError } from './errors.ts'
import { IPC_CHANNEL } from './protocol.ts'
import { serveEndpoint } from './router.ts'

const origin = 'chrome-extension://abc/'

function fakeWebExt(sender: MessageSender = { id: 'abc', url: `${origin}popup.html` }) {
  const listeners = new Set<MessageListener>()
  const api: WebExt = {
    runtime: {
      id: 'abc',
      getURL: (path) => `${origin}${path}`,
      sendMessage: (message) =>
        new Promise((resolve, reject) => {
          let answered = false
          let pending = false
          for (const listener of listeners) {
            const keep = listener(message, sender, (response) => {
              if (!answered) resolve(response)
              answered = true
            })
            pending ||= keep === true
          }
          if (!answered && !pending) {
            if (listeners.size === 0)
              reject(new Error('Could not establish connection. Receiving end does not exist.'))
            else resolve(undefined)
          }
        }),
      onMessage: {
        addListener: (l) => listeners.add(l),
        removeListener: (l) => listeners.delete(l),
      },
      onInstalled: { addListener: () => undefined },
      onStartup: { addListener: () => undefined },
      connect: () => {
        throw new Error('runtime ports are not part of this fake')
      },
      onConnect: { addListener: () => undefined, removeListener: () => undefined },
    },
  }
  return api
}

const status = {
  peerId: '12D3KooWExample',
  started: true,
  connections: 0,
  multiaddrs: [],
  rtcPeerConnection: true,
  nodeHome: 'background-page',
  startedAt: 1,
  uptimeMs: 2,
}

describe('serveEndpoint + HostClient', () => {
  test('a request reaches the handler of its endpoint and the typed result comes back', async () => {
    const api = fakeWebExt()
    const seen: unknown[] = []
    serveEndpoint(api, 'host', () =>
      Promise.reject(new Error('the host must not see background requests')),
    )
    serveEndpoint(api, 'background', (request) => {
      seen.push(request)
      return Promise.resolve(status)
    })
    assert.deepEqual(await new HostClient(api).status(), status)
    assert.deepEqual(seen, [{ kind: 'node.status' }])
  })

  test('a handler failure arrives as a HostRequestError with a code', async () => {
    const api = fakeWebExt()
    serveEndpoint(api, 'background', () => Promise.reject(new Error('dial refused')))
    await assert.rejects(new HostClient(api).ping('/ip4/127.0.0.1/tcp/1/ws'), (error: unknown) => {
      assert.ok(error instanceof HostRequestError)
      assert.equal(error.code, 'request_failed')
      assert.match(error.message, /dial refused/)
      return true
    })
  })

  test('content scripts and other extensions are ignored', async () => {
    for (const sender of [
      { id: 'abc', url: 'https://evil.example/', tab: {} },
      { id: 'other', url: 'chrome-extension://other/popup.html' },
    ]) {
      const api = fakeWebExt(sender)
      let called = false
      serveEndpoint(api, 'background', () => {
        called = true
        return Promise.resolve(status)
      })
      const reply = await api.runtime.sendMessage({
        channel: IPC_CHANNEL,
        to: 'background',
        id: '1',
        request: { kind: 'node.status' },
      })
      assert.equal(reply, undefined)
      assert.equal(called, false)
    }
  })

  test('a malformed request is answered with malformed_message and never handled', async () => {
    const api = fakeWebExt()
    let called = false
    serveEndpoint(api, 'background', () => {
      called = true
      return Promise.resolve(status)
    })
    const reply = await api.runtime.sendMessage({
      channel: IPC_CHANNEL,
      to: 'background',
      id: '1',
      request: { kind: 'node.status', sneaky: 1 },
    })
    assert.equal((reply as { error: { code: string } }).error.code, 'malformed_message')
    assert.equal(called, false)
  })

  test('with nobody listening the client retries, then reports host_unavailable', async () => {
    const api = fakeWebExt()
    const client = new HostClient(api, { to: 'host', retriesWhileUnavailable: 3, retryDelayMs: 1 })
    await assert.rejects(client.status(), (error: unknown) => {
      assert.ok(error instanceof HostRequestError)
      assert.equal(error.code, 'host_unavailable')
      return true
    })
  })

  test('a host that starts listening during the retries is reached', async () => {
    const api = fakeWebExt()
    setTimeout(() => serveEndpoint(api, 'host', () => Promise.resolve(status)), 20)
    const client = new HostClient(api, { to: 'host', retriesWhileUnavailable: 50, retryDelayMs: 5 })
    assert.equal((await client.status()).peerId, status.peerId)
  })

  test('a host that never answers times out', async () => {
    const api = fakeWebExt()
    api.runtime.onMessage.addListener(() => true) // keeps the channel open, never responds
    const client = new HostClient(api, { timeoutMs: 30 })
    await assert.rejects(client.status(), (error: unknown) => {
      assert.ok(error instanceof HostRequestError)
      assert.equal(error.code, 'timeout')
      return true
    })
  })
})
