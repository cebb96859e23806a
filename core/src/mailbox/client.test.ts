// MailboxClient against a scripted relay over an in-memory stream pair (`streamPair` from
// @libp2p/utils, no libp2p node). The real relay's handler has its own pair test
// (relay-node/src/mailbox-service.test.ts); here the relay misbehaves: what the client's caller
// notices is a typed MailboxError, and a broken stream is never used again.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import { MailboxClient } from './client.ts'
import { decodeRequest, encodeErrorResponse, encodeResponse } from './codec.ts'
import { MAX_RESPONSE_FRAME_BYTES } from './constants.ts'
import { MailboxError } from './errors.ts'
import { newMailboxCredentials } from './client.ts'
import { pendingDeadlines } from '../wire/deadline.ts'
import type { Request } from './mailbox.pb.js'

/** How the scripted relay answers one request frame. */
type Answer = (request: Uint8Array, far: Stream) => Promise<void>

/**
 * A relay that answers each request with the next scripted answer, on whichever stream it came.
 * `streams` counts the streams the client opened.
 */
function scriptedRelay(answers: Answer[]) {
  let streams = 0
  const openStream = async (): Promise<Stream> => {
    const [near, far] = await streamPair()
    streams++
    const lp = lpStream(far, { maxDataLength: 128 * 1024 })
    void (async () => {
      for (;;) {
        const frame = (await lp.read()).subarray()
        const answer = answers.shift()
        if (answer === undefined) throw new Error('no answer scripted')
        await answer(frame, far)
      }
    })().catch(() => undefined)
    return near
  }
  return { openStream, streams: () => streams }
}

/** A well-formed answer: the relay's info. */
const infoAnswer: Answer = async (_req, far) => {
  far.send(lengthPrefixed(encodeResponse({ info: relayInfo() })))
  return Promise.resolve()
}

function relayInfo() {
  return {
    current: { peerId: 'relay', multiaddrs: [], validUntilMs: 0n },
    stunPort: 3478,
    maxSealedBytes: 65_536,
    expiryBucketsS: [86_400],
    maxMessagesPerMailbox: 1000,
    fileFallbackCapBytes: 0,
    // Another instance of the same community (ADR 0231): it must survive the round trip.
    instances: ['/ip4/10.0.0.2/tcp/443/wss/p2p/12D3KooWAnotherInstance'],
    // The operator's TURN with time-limited credentials (ADR 0450): also survives the round trip.
    turnServers: [
      {
        urls: ['turn:relay.example:3479?transport=udp'],
        username: '1767225600',
        credential: 'q0pZ0k0y4Yx0kq5nq3sBv4bR8xU=',
        expiresAtMs: 1_767_225_600_000n,
      },
    ],
  }
}

function lengthPrefixed(frame: Uint8Array): Uint8Array {
  const out: number[] = []
  let n = frame.length
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  const bytes = new Uint8Array(out.length + frame.length)
  bytes.set(out)
  bytes.set(frame, out.length)
  return bytes
}

describe('mailbox client against a misbehaving relay (in-memory stream pair)', () => {
  test('a good answer is read and its stream reused for the next request', async () => {
    const relay = scriptedRelay([infoAnswer, infoAnswer])
    const client = new MailboxClient({ openStream: relay.openStream, timeoutMs: 2_000 })
    assert.equal((await client.info()).stunPort, 3478)
    const info = await client.info()
    assert.deepEqual(info.instances, relayInfo().instances)
    assert.deepEqual(info.turnServers, relayInfo().turnServers)
    assert.equal(relay.streams(), 1)
    await client.close()
  })

  test('a typed error answer is a MailboxError with its code; the stream stays in use', async () => {
    const seen: Array<Partial<Request>> = []
    const relay = scriptedRelay([
      (req, far) => {
        seen.push(decodeRequest(req) as unknown as Partial<Request>)
        far.send(
          lengthPrefixed(
            encodeErrorResponse(
              new MailboxError('rate_limited', undefined, { retryAfterMs: 1500 }),
            ),
          ),
        )
        return Promise.resolve()
      },
      infoAnswer,
    ])
    const client = new MailboxClient({ openStream: relay.openStream, timeoutMs: 2_000 })
    await assert.rejects(client.info(), (err: unknown) => {
      assert.ok(err instanceof MailboxError)
      assert.equal(err.code, 'rate_limited')
      assert.equal(err.retryAfterMs, 1500)
      assert.equal(err.retryable, true)
      return true
    })
    assert.equal(seen.length, 1)
    assert.equal((await client.info()).stunPort, 3478)
    assert.equal(relay.streams(), 1, 'a typed refusal keeps the framing: the stream is reused')
    await client.close()
  })

  test('a garbage answer is MailboxError(malformed)', async () => {
    const relay = scriptedRelay([
      (_req, far) => {
        far.send(lengthPrefixed(new Uint8Array(40).fill(0xff)))
        return Promise.resolve()
      },
    ])
    const client = new MailboxClient({ openStream: relay.openStream, timeoutMs: 2_000 })
    await assert.rejects(client.info(), { name: 'MailboxError', code: 'malformed' })
    await client.close()
  })

  test('an answer over the response cap is MailboxError(oversize); that stream is dropped', async () => {
    const relay = scriptedRelay([
      (_req, far) => {
        // Only the prefix and a little of the body: the client must refuse before reading it.
        const prefix = lengthPrefixed(new Uint8Array(MAX_RESPONSE_FRAME_BYTES + 1)).subarray(0, 3)
        far.send(Uint8Array.from([...prefix, 1, 2, 3]))
        return Promise.resolve()
      },
      infoAnswer,
    ])
    const client = new MailboxClient({ openStream: relay.openStream, timeoutMs: 2_000 })
    await assert.rejects(client.info(), { name: 'MailboxError', code: 'oversize' })
    assert.equal((await client.info()).stunPort, 3478)
    assert.equal(relay.streams(), 2, 'the next request went on a new stream')
    await client.close()
  })

  test('an answer cut short (the relay closes mid-frame): the request fails, the next one works on a new stream', async () => {
    const relay = scriptedRelay([
      async (_req, far) => {
        const full = lengthPrefixed(encodeResponse({ info: relayInfo() }))
        far.send(full.subarray(0, full.length - 5))
        await far.close()
      },
      infoAnswer,
    ])
    const client = new MailboxClient({ openStream: relay.openStream, timeoutMs: 2_000 })
    await assert.rejects(client.info())
    assert.equal((await client.info()).stunPort, 3478)
    assert.equal(relay.streams(), 2)
    await client.close()
  })

  // Time limits are deadlines cleared when the exchange is over (core/src/wire/deadline.ts), not
  // AbortSignal.timeout: the signal a stream was given aborts later, and everything its listeners
  // hold stays in memory until then.
  test('a finished request or subscription lets go of its time limit: the signals it handed out never abort', async () => {
    // The relay acknowledges the subscription and then ends it (as it does when it shuts down).
    const ackThenEnd: Answer = async (req, far) => {
      await infoAnswer(req, far)
      await far.close()
    }
    const relay = scriptedRelay([infoAnswer, ackThenEnd])
    const signals: AbortSignal[] = []
    const client = new MailboxClient({
      openStream: (options) => {
        if (options?.signal !== undefined) signals.push(options.signal)
        return relay.openStream()
      },
      timeoutMs: 40,
    })
    const before = pendingDeadlines()
    assert.equal((await client.info()).stunPort, 3478)
    const sub = await client.subscribe(newMailboxCredentials(), () => undefined)
    assert.equal(signals.length, 2, 'one stream for the request, one for the subscription')
    assert.equal(pendingDeadlines(), before, 'no time limit left running')
    await new Promise((r) => setTimeout(r, 120))
    assert.deepEqual(
      signals.map((s) => s.aborted),
      [false, false],
      'past the time limit, nothing aborts the finished exchange',
    )
    await sub.close()
    await client.close()
  })

  test('a relay that never answers: the request fails with a TimeoutError after its limit, the next one works on a new stream', async () => {
    const relay = scriptedRelay([() => Promise.resolve(), infoAnswer])
    const client = new MailboxClient({ openStream: relay.openStream, timeoutMs: 100 })
    const before = pendingDeadlines()
    await assert.rejects(client.info(), { name: 'TimeoutError' })
    assert.equal(pendingDeadlines(), before)
    assert.equal((await client.info()).stunPort, 3478)
    assert.equal(relay.streams(), 2)
    await client.close()
  })
})
