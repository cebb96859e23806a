// `/hestia/chat/1.0.0` over an in-memory stream pair (`streamPair` from @libp2p/utils, no libp2p
// node): the real sender (sendDirect) and the real handler (serveChatStream), with the inbox
// replaced by a map that keeps what the handler delivered. What a peer notices is asserted: a good
// frame is delivered once and acked `stored`; a frame the inbox refuses is acked `rejected`; an
// oversize, truncated or half-sent frame is never delivered, and the sender gets a typed error.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Connection, Stream } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { TEST_RELAY_ADDR, directConnectionFrom } from '../../test-support/direct-connection.ts'
import { isProtocolError } from '../wire/errors.ts'
import { DirectSendError, sendDirect, serveChatStream, type FrameHandler } from './chat-protocol.ts'
import { DIRECT_ACK, MESSENGER_LIMITS } from './limits.ts'
import type { MessengerNet } from './net.ts'

const alice = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const relay = TEST_RELAY_ADDR

/** Bob's inbox as the handler sees it: frames it stored, by sender. Refuses frames starting 0xff. */
function inbox() {
  const stored: Array<{ from: string; frame: Uint8Array }> = []
  const onFrame: FrameHandler = (from, frame) => {
    if (frame[0] === 0xff) return Promise.resolve(false)
    if (frame[0] === 0xee) return Promise.reject(new Error('the inbox crashed on this frame'))
    stored.push({ from: from.toString(), frame })
    return Promise.resolve(true)
  }
  return { stored, onFrame }
}

/**
 * Alice's view of the network: one direct connection to Bob whose streams are served by Bob's
 * real chat handler. `served` settles with each handler run.
 */
function aliceNet(onFrame: FrameHandler) {
  const served: Promise<void>[] = []
  const toBob = {
    ...directConnectionFrom(bob),
    newStream: async (): Promise<Stream> => {
      const [near, far] = await streamPair()
      served.push(serveChatStream(far, directConnectionFrom(alice), onFrame))
      return near
    },
    abort: () => undefined,
  } as unknown as Connection
  const net = {
    peerId: alice,
    getConnections: () => [toBob],
    dial: () => Promise.reject(new Error('no dialling in this test')),
  } as unknown as MessengerNet
  return { net, served }
}

/** A raw peer: Bob's handler on one end, bytes written as they are on the other. */
async function rawPeer(onFrame: FrameHandler) {
  const [near, far] = await streamPair()
  const served = serveChatStream(far, directConnectionFrom(alice), onFrame)
  return { near, served, lp: lpStream(near, { maxDataLength: 16 }) }
}

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}

describe('chat protocol over an in-memory stream pair', () => {
  test('a frame is delivered once, from the connection’s peer, and acked stored', async () => {
    const bobInbox = inbox()
    const { net, served } = aliceNet(bobInbox.onFrame)
    const frame = new TextEncoder().encode('hello bob')
    await sendDirect(net, bob, [relay], frame)
    await Promise.all(served)
    assert.equal(bobInbox.stored.length, 1)
    assert.deepEqual(bobInbox.stored[0], { from: alice.toString(), frame })
  })

  test('a frame at the cap is delivered; one byte over is refused before anything is sent', async () => {
    const bobInbox = inbox()
    const { net, served } = aliceNet(bobInbox.onFrame)
    const atCap = new Uint8Array(MESSENGER_LIMITS.directFrameBytes).fill(7)
    await sendDirect(net, bob, [relay], atCap)
    const over = new Uint8Array(MESSENGER_LIMITS.directFrameBytes + 1)
    await assert.rejects(sendDirect(net, bob, [relay], over), (err: unknown) => {
      assert.ok(isProtocolError(err))
      assert.equal(err.code, 'oversize')
      return true
    })
    await Promise.all(served)
    assert.equal(served.length, 1, 'no stream was opened for the oversize frame')
    assert.equal(bobInbox.stored.length, 1)
    assert.equal(bobInbox.stored[0]!.frame.length, MESSENGER_LIMITS.directFrameBytes)
  })

  test('a frame the inbox refuses (or fails on) is acked rejected: the sender gets a typed error', async () => {
    const bobInbox = inbox()
    const { net, served } = aliceNet(bobInbox.onFrame)
    for (const first of [0xff, 0xee]) {
      await assert.rejects(sendDirect(net, bob, [relay], Uint8Array.of(first, 1, 2)), (err) => {
        assert.ok(err instanceof DirectSendError)
        assert.equal(err.code, 'rejected')
        return true
      })
    }
    await Promise.all(served)
    assert.equal(bobInbox.stored.length, 0)
  })

  test('a peer that closes the stream without an ack: the sender gets no_ack', async () => {
    const toBob = {
      ...directConnectionFrom(bob),
      newStream: async (): Promise<Stream> => {
        const [near, far] = await streamPair()
        // Reads the frame, answers nothing, closes.
        void lpStream(far)
          .read()
          .then(() => far.close())
          .catch(() => undefined)
        return near
      },
      abort: () => undefined,
    } as unknown as Connection
    const net = { peerId: alice, getConnections: () => [toBob] } as unknown as MessengerNet
    await assert.rejects(sendDirect(net, bob, [relay], Uint8Array.of(1)), (err) => {
      assert.ok(err instanceof DirectSendError)
      assert.equal(err.code, 'no_ack')
      return true
    })
  })

  test('several frames on one stream: each gets its own ack, in order', async () => {
    const bobInbox = inbox()
    const { near, served, lp } = await rawPeer(bobInbox.onFrame)
    const acks: number[] = []
    for (const first of [1, 0xff, 2]) {
      await lp.write(Uint8Array.of(first))
      acks.push((await lp.read()).subarray()[0]!)
    }
    await near.close()
    await served
    assert.deepEqual(acks, [DIRECT_ACK.stored, DIRECT_ACK.rejected, DIRECT_ACK.stored])
    assert.deepEqual(
      bobInbox.stored.map((s) => s.frame[0]),
      [1, 2],
    )
  })

  test('an oversize length prefix: nothing is delivered, no ack, the handler closes the stream', async () => {
    const bobInbox = inbox()
    const { near, served, lp } = await rawPeer(bobInbox.onFrame)
    // The prefix announces one byte over the cap; the body follows in part.
    near.send(
      Uint8Array.from([...varint(MESSENGER_LIMITS.directFrameBytes + 1), ...new Uint8Array(1024)]),
    )
    await served
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(2_000) }))
    assert.equal(bobInbox.stored.length, 0)
  })

  test('a frame cut short (the sender closes halfway): nothing is delivered, no ack', async () => {
    const bobInbox = inbox()
    const { near, served, lp } = await rawPeer(bobInbox.onFrame)
    // A good frame first (delivered and acked), then a prefix for 100 bytes and only 40 of them.
    await lp.write(Uint8Array.of(1))
    assert.equal((await lp.read()).subarray()[0], DIRECT_ACK.stored)
    near.send(Uint8Array.from([...varint(100), ...new Uint8Array(40).fill(3)]))
    await near.close()
    await served
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(2_000) }))
    assert.deepEqual(
      bobInbox.stored.map((s) => s.frame.length),
      [1],
      'only the complete frame was delivered',
    )
  })

  test('the handler stops reading after framesPerStream frames; the rest are not delivered', async () => {
    const bobInbox = inbox()
    const { near, served, lp } = await rawPeer(bobInbox.onFrame)
    const n = MESSENGER_LIMITS.framesPerStream
    for (let i = 0; i < n; i++) {
      await lp.write(Uint8Array.of(1, i & 0xff))
      assert.equal((await lp.read()).subarray()[0], DIRECT_ACK.stored)
    }
    // One more frame: Bob's handler has stopped reading, so it is neither acked nor delivered.
    await lp.write(Uint8Array.of(1, 0)).catch(() => undefined)
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(2_000) }))
    await served
    await near.close().catch(() => undefined)
    assert.equal(bobInbox.stored.length, n)
  })
})
