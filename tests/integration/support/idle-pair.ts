/**
 * Two contacts on real libp2p nodes (WebRTC via node-datachannel on loopback) and a real relay,
 * with a short idle policy for direct connections (ADR 0910): the set-up of the idle-direct and
 * idle-kept-stream tests, and the checks they share.
 */
import assert from 'node:assert/strict'
import type { Connection } from '@libp2p/interface'
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './messenger-harness.ts'

export interface IdlePair {
  relay: RelayHandle
  /** Alice: the one who sends in these tests. */
  a: TestPeer
  b: TestPeer
  convA: string
  convB: string
  /** Alice sends `text` to Bob; resolves with its message id. */
  send: (text: string) => Promise<string>
  /** Stops both peers and the relay, and lets node-datachannel go (call last). */
  stop(): Promise<void>
}

/**
 * Starts the relay and alice and bob with direct connections closed after `directIdleMs` idle;
 * `chatStreamIdleMs` overrides how long a kept chat stream stays open (unset: the harness's).
 */
export async function startIdlePair(
  directIdleMs: number,
  chatStreamIdleMs?: number,
): Promise<IdlePair> {
  const relay = await startTestRelay()
  const a = new TestPeer('alice', relay.multiaddrs)
  const b = new TestPeer('bob', relay.multiaddrs)
  for (const peer of [a, b]) {
    peer.nodeOptions = { directIdleMs }
    if (chatStreamIdleMs !== undefined) peer.chatStreamIdleMs = chatStreamIdleMs
  }
  const stop = async (): Promise<void> => {
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  }
  try {
    await a.start()
    await b.start()
    const { convA, convB } = await connectPeers(a, b)
    const send = async (text: string): Promise<string> => {
      const { message } = await a.must({ type: 'messages.send', conversationId: convA, text })
      return message.messageId
    }
    return { relay, a, b, convA, convB, send, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The peer's open WebRTC (direct) connections. */
export function webrtcConnections(peer: TestPeer): Connection[] {
  return peer.service
    .node!.getConnections()
    .filter((c) => c.remoteAddr.toString().includes('/webrtc'))
}

/**
 * `count` messages `${prefix} i`, each shown on bob before a pause of `gapMs`: a connection kept
 * in use. Resolves with their message ids.
 */
export async function sendPaced(
  pair: IdlePair,
  prefix: string,
  count: number,
  gapMs: number,
): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const id = await pair.send(`${prefix} ${i}`)
    ids.push(id)
    await waitUntil(`bob shows ${prefix} ${i}`, () => pair.b.addedAt.has(id))
    await new Promise((r) => setTimeout(r, gapMs))
  }
  return ids
}

/**
 * `texts` (sent as `ids`) are the last messages bob shows, in that order, each once; and alice
 * shows each as delivered.
 */
export async function shownOnceInOrder(
  pair: IdlePair,
  ids: string[],
  texts: string[],
): Promise<void> {
  const { a, b, convA, convB } = pair
  await waitUntil('bob shows the later messages', () => ids.every((id) => b.addedAt.has(id)))
  const shown = await b.texts(convB)
  assert.deepEqual(shown.slice(-texts.length), texts)
  for (const t of texts) assert.equal(shown.filter((x) => x === t).length, 1, `"${t}" shown once`)
  await waitUntil('the later messages delivered on alice', async () =>
    (await a.history(convA))
      .filter((m) => ids.includes(m.messageId))
      .every((m) => m.delivery === 'delivered'),
  )
}
