// A finished chat stream is garbage once it is finished (issue #24, ADR 0911). In the browser,
// @libp2p/webrtc's close waits with p-event, which leaves abort listeners on the signal it gets
// (or on its own AbortSignal.timeout(10 s) when it gets none) and never removes them; a pending
// timeout signal with listeners is kept alive by the runtime (Chromium and Node alike), and with
// it the stream and its data channel. The in-memory streams here close the same way, so a
// timeout signal anywhere in the chat path shows up as streams still alive after a GC.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { AbortOptions, Connection, Stream } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { TEST_RELAY_ADDR, directConnectionFrom } from '../../test-support/direct-connection.ts'
import { sendDirect, serveChatStream } from './chat-protocol.ts'
import { pendingDeadlines } from '../wire/deadline.ts'
import type { MessengerNet } from './net.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const alice = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const relay = TEST_RELAY_ADDR
const EXCHANGES = 50

/** Closes as @libp2p/webrtc's stream does: abort listeners left on the close signal. */
function closingLikeWebRTC(stream: Stream, closes: boolean[]): Stream {
  const close = stream.close.bind(stream)
  stream.close = async (options?: AbortOptions) => {
    closes.push(options?.signal !== undefined) // not the signal: that would hold the stream
    const signal = options?.signal ?? AbortSignal.timeout(10_000)
    signal.addEventListener('abort', () => stream.abort(new Error('close timed out')), {
      once: true,
    })
    return close(options)
  }
  return stream
}

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('chat streams after they end', () => {
  test(`${EXCHANGES} frames sent and served leave no stream in memory and no timer running`, async () => {
    let alive = 0
    const registry = new FinalizationRegistry<undefined>(() => alive--)
    const closes: boolean[] = []
    const served: Promise<void>[] = []
    const stored: Uint8Array[] = []
    const before = pendingDeadlines()
    const toBob = {
      ...directConnectionFrom(bob),
      abort: () => undefined,
      newStream: async (): Promise<Stream> => {
        const [near, far] = await streamPair()
        for (const end of [near, far]) {
          registry.register(end, undefined)
          alive++
        }
        served.push(
          serveChatStream(
            closingLikeWebRTC(far, closes),
            directConnectionFrom(alice),
            (_from, f) => {
              stored.push(f)
              return Promise.resolve(true)
            },
          ),
        )
        return closingLikeWebRTC(near, closes)
      },
    } as unknown as Connection
    const net = {
      peerId: alice,
      getConnections: () => [toBob],
      dial: () => Promise.reject(new Error('no dialling in this test')),
    } as unknown as MessengerNet

    for (let i = 0; i < EXCHANGES; i++) await sendDirect(net, bob, [relay], Uint8Array.of(1, i))
    await Promise.all(served)
    served.length = 0
    await collectGarbage()

    assert.equal(stored.length, EXCHANGES, 'every frame was delivered')
    assert.equal(alive, 0, `${alive} of ${2 * EXCHANGES} finished stream ends are still in memory`)
    assert.equal(closes.length, 2 * EXCHANGES, 'both ends closed every stream')
    assert.ok(
      closes.every((given) => given),
      'every close got a time limit of ours (libp2p would start its own 10 s timeout)',
    )
    assert.equal(pendingDeadlines(), before, 'no time limit is still running')
  })
})
