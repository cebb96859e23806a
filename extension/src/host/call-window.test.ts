import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { MessageListener, MessageSender, WebExt } from '../platform/webext.ts'
import {
  CALL_WINDOW_CHANNEL,
  parseCallWindowRequest,
  serveCallWindowRequests,
} from './call-window.ts'

const origin = 'chrome-extension://abcdefghijklmnop/'

function fakeApi() {
  const opened: unknown[] = []
  let listener: MessageListener | undefined
  const api = {
    runtime: {
      id: 'abcdefghijklmnop',
      getURL: (path: string) => `${origin}${path}`,
      onMessage: { addListener: (l: MessageListener) => (listener = l) },
    },
    windows: {
      create: (options: unknown) => {
        opened.push(options)
        return Promise.resolve({})
      },
    },
  } as unknown as WebExt
  const send = (message: unknown, sender: MessageSender) =>
    new Promise<unknown>((resolve) => {
      const async = listener!(message, sender, resolve)
      if (async !== true) resolve('ignored')
    })
  return { api, opened, send }
}

describe('call window requests', () => {
  test('parse: a call id on the channel, nothing else', () => {
    assert.equal(parseCallWindowRequest({ channel: CALL_WINDOW_CHANNEL, callId: 'a_B-9' }), 'a_B-9')
    for (const bad of [
      null,
      'x',
      { channel: 'hestia/v1/ipc', callId: 'abc' },
      { channel: CALL_WINDOW_CHANNEL, callId: '' },
      { channel: CALL_WINDOW_CHANNEL, callId: 'a'.repeat(129) },
      { channel: CALL_WINDOW_CHANNEL, callId: '../popup.html' },
      { channel: CALL_WINDOW_CHANNEL, callId: 'abc', url: 'https://evil.example' },
    ]) {
      assert.equal(parseCallWindowRequest(bad), null, JSON.stringify(bad))
    }
  })

  test('the worker opens a popup window on the call page for its own host only', async () => {
    const { api, opened, send } = fakeApi()
    serveCallWindowRequests(api, () => undefined)
    const request = { channel: CALL_WINDOW_CHANNEL, callId: 'call1' }
    assert.equal(await send(request, { id: 'other-extension', url: `${origin}x.html` }), 'ignored')
    assert.equal(
      await send(request, { id: 'abcdefghijklmnop', url: 'https://web.example/' }),
      'ignored',
    )
    assert.equal(opened.length, 0)
    const reply = await send(request, {
      id: 'abcdefghijklmnop',
      url: `${origin}tabs/offscreen.html`,
    })
    assert.deepEqual(reply, { opened: true })
    assert.equal(opened.length, 1)
    const options = opened[0] as { url: string; type: string }
    assert.equal(options.type, 'popup')
    assert.equal(options.url, `${origin}tabs/call.html?callId=call1`)
  })
})
