// ChatStreams (ADR 0422) over in-memory stream pairs (`streamPair` from @libp2p/utils): the real
// sender and the real handler (serveChatStream), the inbox replaced by a list of what it stored.
// What the contacts notice is asserted: every frame arrives once and in order, over one stream
// while the conversation is busy; a slow or silent contact holds up nobody else; a contact that
// ends the stream or sends garbage on it changes nothing for the others and keeps nothing here.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { PeerId, Stream } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { TEST_RELAY_ADDR, directConnectionFrom } from '../../test-support/direct-connection.ts'
import { pendingDeadlines } from '../wire/deadline.ts'
import { DirectSendError, serveChatStream, type FrameHandler } from './chat-protocol.ts'
import { ChatStreams } from './chat-stream.ts'
import { DIRECT_ACK, MESSENGER_LIMITS, MESSENGER_TIMING } from './limits.ts'
import type { MessengerNet } from './net.ts'

const alice = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const carol = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const relays = [TEST_RELAY_ADDR]

/** What a contact's end does with a stream alice opened to it. */
type Serve = (far: Stream, index: number) => Promise<void>

interface Contact {
  /** Streams alice opened to this contact. */
  opened: Stream[]
  /** One per opened stream: settles when the contact's end finished with it. */
  served: Promise<void>[]
  aborted: boolean
}

/** Alice's network: one direct connection per contact, each stream served by `serve[peer]`. */
function aliceNet(serve: Map<PeerId, Serve>) {
  const contacts = new Map<string, Contact>()
  const connections = [...serve].map(([peer, s]) => {
    const c: Contact = { opened: [], served: [], aborted: false }
    contacts.set(peer.toString(), c)
    const connection = {
      ...directConnectionFrom(peer),
      streams: [] as Stream[],
      newStream: async (): Promise<Stream> => {
        const [near, far] = await streamPair()
        connection.streams.push(near)
        c.opened.push(near)
        c.served.push(s(far, c.opened.length - 1))
        return near
      },
      abort: () => {
        c.aborted = true
        connection.status = 'closed'
      },
    }
    return connection
  })
  const net = {
    peerId: alice,
    getConnections: (peer?: PeerId) =>
      connections.filter((c) => peer === undefined || c.remotePeer.equals(peer)),
    dial: () => Promise.reject(new Error('no dialling in this test')),
  } as unknown as MessengerNet
  return { net, contact: (peer: PeerId) => contacts.get(peer.toString())! }
}

/** A contact's inbox: stores frames (by their first bytes) unless told to refuse or wait. */
function inbox(hold?: Promise<void>) {
  const stored: number[][] = []
  const onFrame: FrameHandler = async (_from, frame) => {
    if (frame[0] === 0xff) return false
    if (frame[0] === 0xaa && hold !== undefined) await hold
    stored.push([...frame])
    return true
  }
  const serve: Serve = (far) => serveChatStream(far, directConnectionFrom(alice), onFrame)
  return { stored, onFrame, serve }
}

const frame = (...bytes: number[]) => Uint8Array.from(bytes)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('chat streams kept open per contact (ADR 0422)', () => {
  test('twenty frames to one contact: one stream, each delivered once, in order', async () => {
    const before = pendingDeadlines()
    const bobInbox = inbox()
    const { net, contact } = aliceNet(new Map([[bob, bobInbox.serve]]))
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    for (let i = 0; i < 20; i++) await streams.send(bob, relays, frame(1, i))
    assert.equal(contact(bob).opened.length, 1, 'one stream carried every frame')
    assert.deepEqual(
      bobInbox.stored,
      Array.from({ length: 20 }, (_, i) => [1, i]),
    )
    assert.equal(streams.kept, 1)
    await streams.close()
    await Promise.all(contact(bob).served)
    assert.equal(streams.kept, 0)
    assert.equal(contact(bob).opened[0]!.status, 'closed', 'closed at stop, both ways')
    assert.equal(pendingDeadlines(), before, 'no time limit is left running')
  })

  test('a kept stream with no frame for idleMs is closed; the next frame opens another', async () => {
    const bobInbox = inbox()
    const { net, contact } = aliceNet(new Map([[bob, bobInbox.serve]]))
    const streams = new ChatStreams(net, { idleMs: 40 })
    await streams.send(bob, relays, frame(1))
    await Promise.all(contact(bob).served) // bob's handler saw the stream end
    assert.equal(streams.kept, 0)
    await streams.send(bob, relays, frame(2))
    assert.equal(contact(bob).opened.length, 2)
    assert.deepEqual(bobInbox.stored, [[1], [2]])
    await streams.close()
  })

  test('idleMs 0: one stream per frame, each closed after its ack (as before)', async () => {
    const bobInbox = inbox()
    const { net, contact } = aliceNet(new Map([[bob, bobInbox.serve]]))
    const streams = new ChatStreams(net, { idleMs: 0 })
    for (let i = 0; i < 3; i++) await streams.send(bob, relays, frame(1, i))
    await Promise.all(contact(bob).served)
    assert.equal(contact(bob).opened.length, 3)
    assert.equal(streams.kept, 0)
    assert.equal(bobInbox.stored.length, 3)
  })

  test('a frame sent while the kept stream waits for an ack goes on its own stream, closed after', async () => {
    let release!: () => void
    const bobInbox = inbox(new Promise<void>((r) => (release = r)))
    const { net, contact } = aliceNet(new Map([[bob, bobInbox.serve]]))
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    await streams.send(bob, relays, frame(1))
    const slow = streams.send(bob, relays, frame(0xaa)) // bob's inbox holds this one
    await streams.send(bob, relays, frame(2)) // not behind the slow one
    assert.deepEqual(bobInbox.stored, [[1], [2]])
    release()
    await slow
    assert.equal(contact(bob).opened.length, 2)
    await contact(bob).served[1] // the extra stream was closed, bob's handler ended
    assert.equal(streams.kept, 1)
    await streams.send(bob, relays, frame(3))
    assert.equal(contact(bob).opened.length, 2, 'the kept stream carries on')
    await streams.close()
  })

  test('a rejected frame leaves the stream kept; the next frame uses it', async () => {
    const bobInbox = inbox()
    const { net, contact } = aliceNet(new Map([[bob, bobInbox.serve]]))
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    await assert.rejects(streams.send(bob, relays, frame(0xff)), (err) => {
      assert.ok(err instanceof DirectSendError)
      assert.equal(err.code, 'rejected')
      return true
    })
    await streams.send(bob, relays, frame(1))
    assert.equal(contact(bob).opened.length, 1)
    assert.deepEqual(bobInbox.stored, [[1]])
    await streams.close()
  })

  test('a kept stream the contact ended: the next frame goes on a fresh stream, once', async () => {
    const bobInbox = inbox()
    const ends: Stream[] = []
    const serve: Serve = (far) => {
      ends.push(far)
      return bobInbox.serve(far, ends.length - 1)
    }
    const { net, contact } = aliceNet(new Map([[bob, serve]]))
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    await streams.send(bob, relays, frame(1))
    ends[0]!.abort(new Error('bob restarted')) // a reset reaches alice's end
    await contact(bob).served[0]
    await streams.send(bob, relays, frame(2))
    assert.equal(contact(bob).opened.length, 2)
    assert.deepEqual(bobInbox.stored, [[1], [2]])
    assert.equal(contact(bob).aborted, false, 'the connection itself is fine')
    await streams.close()
  })

  test('retired after framesPerStream frames, before the handler stops reading: none lost', async () => {
    const bobInbox = inbox()
    const { net, contact } = aliceNet(new Map([[bob, bobInbox.serve]]))
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    const n = MESSENGER_LIMITS.framesPerStream + 1
    for (let i = 0; i < n; i++) await streams.send(bob, relays, frame(1, i >> 8, i & 0xff))
    assert.equal(contact(bob).opened.length, 2)
    assert.equal(bobInbox.stored.length, n)
    await streams.close()
  })

  test('a contact that stops reading its kept stream holds up nobody; it keeps nothing here', async () => {
    const bobInbox = inbox()
    // Carol acks her first frame, then never reads the stream again.
    const carolServe: Serve = async (far) => {
      const lp = lpStream(far)
      await lp.read()
      await lp.write(Uint8Array.of(DIRECT_ACK.stored))
    }
    const { net, contact } = aliceNet(
      new Map([
        [bob, bobInbox.serve],
        [carol, carolServe],
      ]),
    )
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    await streams.send(carol, relays, frame(9))
    assert.equal(streams.kept, 1)
    const started = performance.now()
    const silent = streams.send(carol, relays, frame(9, 1))
    const failed = assert.rejects(silent, (err) => {
      assert.ok(err instanceof DirectSendError)
      assert.equal(err.code, 'no_ack')
      return true
    })
    for (let i = 0; i < 20; i++) await streams.send(bob, relays, frame(1, i))
    const bobDone = performance.now() - started
    assert.equal(bobInbox.stored.length, 20, 'bob got every frame while carol was silent')
    assert.ok(bobDone < MESSENGER_TIMING.directAckMs, 'bob’s frames did not wait for carol’s ack')
    await failed
    assert.equal(contact(carol).aborted, true, 'the silent connection is ended (ADR 0910)')
    assert.equal(streams.kept, 1, 'only bob’s stream is kept')
    await streams.close()
    assert.equal(streams.kept, 0)
  })

  test('garbage on a contact’s stream: refused frame by frame, cut off at an oversize one; other contacts unaffected', async () => {
    const stored: string[] = []
    const onFrame: FrameHandler = (from, f) => {
      if (f[0] !== 1) return Promise.resolve(false)
      stored.push(from.toString())
      return Promise.resolve(true)
    }
    // Alice's handler serves carol's stream (garbage) and bob's (ChatStreams) at the same time.
    const [carolNear, carolFar] = await streamPair()
    const carolServed = serveChatStream(carolFar, directConnectionFrom(carol), onFrame)
    const carolLp = lpStream(carolNear, { maxDataLength: 16 })
    const serveBob: Serve = (far) => serveChatStream(far, directConnectionFrom(bob), onFrame)
    const { net } = aliceNet(new Map([[bob, serveBob]]))
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    const acks: number[] = []
    for (let i = 0; i < 10; i++) {
      await carolLp.write(crypto.getRandomValues(new Uint8Array(64)).fill(0xee, 0, 1))
      acks.push((await carolLp.read()).subarray()[0]!)
      await streams.send(bob, relays, frame(1, i))
    }
    assert.ok(acks.every((a) => a === DIRECT_ACK.rejected))
    // A length prefix over the cap: the handler ends carol's stream without reading the body.
    carolNear.send(Uint8Array.from([0x81, 0x80, 0x80, 0x01]))
    await carolServed
    assert.notEqual(carolFar.writeStatus, 'writable', 'alice’s end of carol’s stream is closed')
    await streams.send(bob, relays, frame(1, 99))
    assert.deepEqual(stored, Array(11).fill(bob.toString()), 'only bob’s frames were stored')
    await streams.close()
  })

  test('a stream that ends between frames is forgotten at once: nothing kept for it', async () => {
    const bobInbox = inbox()
    const { net, contact } = aliceNet(new Map([[bob, bobInbox.serve]]))
    const streams = new ChatStreams(net, { idleMs: 60_000 })
    await streams.send(bob, relays, frame(1))
    contact(bob).opened[0]!.abort(new Error('connection closed'))
    await sleep(10)
    assert.equal(streams.kept, 0)
    await streams.close()
  })
})
