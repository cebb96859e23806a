import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Stream, StreamMuxerFactory } from '@libp2p/interface'
import { FrameGuard, StreamGuardError } from './frame-guard.ts'
import type { GuardViolation } from './frame-guard.ts'
import { CIRCUIT_HOP_PROTOCOL, PING_PROTOCOL, relayFraming } from './framing-policy.ts'
import { MAILBOX_PROTOCOL } from '@hestia/core/mailbox/index.ts'

const KiB = 1024

/** A stand-in for a muxed stream: records what reaches the protocol and how it ended. */
class FakeStream {
  delivered = 0
  status = 'open'
  error: Error | undefined
  private readonly closeListeners: Array<() => void> = []
  onData(data: Uint8Array): void {
    this.delivered += data.length
  }
  abort(err: Error): void {
    this.status = 'aborted'
    this.error = err
    for (const l of this.closeListeners) l()
  }
  addEventListener(type: string, fn: () => void): void {
    if (type === 'close') this.closeListeners.push(fn)
  }
  /** What the remote sends, through the (wrapped) onData. */
  receive(data: Uint8Array): void {
    if (this.status === 'open') this.onData(data)
  }
}

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

function frame(body: Uint8Array | string): Uint8Array {
  const b = typeof body === 'string' ? new TextEncoder().encode(body) : body
  return new Uint8Array([...varint(b.length), ...b])
}

/** multistream-select preamble choosing `protocol`. */
function negotiate(protocol: string): Uint8Array {
  return new Uint8Array([...frame('/multistream/1.0.0\n'), ...frame(`${protocol}\n`)])
}

function setup(limits = { perConnectionBytes: 1024 * KiB, globalBytes: 8 * 1024 * KiB }) {
  const resets: GuardViolation[] = []
  const guard = new FrameGuard({
    limits,
    protocols: relayFraming(),
    onReset: (v) => resets.push(v),
  })
  const connection = () => {
    const muxer = {
      onRemoteStream(_s: Stream) {},
      createStream: () => Promise.resolve({} as Stream),
    }
    const factory = guard.wrapMuxer(
      () =>
        ({
          protocol: '/yamux/1.0.0',
          createStreamMuxer: () => muxer,
        }) as unknown as StreamMuxerFactory,
    )(undefined)
    factory.createStreamMuxer({} as never)
    return {
      open(): FakeStream {
        const s = new FakeStream()
        muxer.onRemoteStream(s as unknown as Stream)
        return s
      },
    }
  }
  return { guard, resets, connection }
}

function violation(s: FakeStream): GuardViolation | undefined {
  return s.error instanceof StreamGuardError ? s.error.code : undefined
}

void test('an endless prefix during protocol negotiation is reset at its third byte', () => {
  const { connection, resets } = setup()
  const s = connection().open()
  s.receive(new Uint8Array(2 * 1024 * KiB).fill(0x80))
  assert.equal(violation(s), 'prefix_too_long')
  assert.ok(s.delivered === 0, 'nothing of it reached the negotiation reader')
  assert.deepEqual(resets, ['prefix_too_long'])
})

void test('circuit hop: one message up to 4 KiB, checked; then raw relayed bytes pass', () => {
  const { connection } = setup()
  const c = connection()
  const big = c.open()
  big.receive(negotiate(CIRCUIT_HOP_PROTOCOL))
  big.receive(new Uint8Array(varint(5000)))
  assert.equal(violation(big), 'frame_too_large')

  const ok = c.open()
  ok.receive(negotiate(CIRCUIT_HOP_PROTOCOL))
  ok.receive(frame(new Uint8Array(200)))
  ok.receive(new Uint8Array(256 * KiB).fill(0x80)) // relayed data after CONNECT: not framed
  assert.equal(ok.status, 'open')
})

void test('ping is raw; the mailbox reader answers prefix errors itself', () => {
  const { connection, resets } = setup()
  const c = connection()
  const ping = c.open()
  ping.receive(negotiate(PING_PROTOCOL))
  ping.receive(new Uint8Array(64).fill(0x80))
  assert.equal(ping.status, 'open')
  const mailbox = c.open()
  mailbox.receive(negotiate(MAILBOX_PROTOCOL))
  mailbox.receive(new Uint8Array(16).fill(0x80))
  assert.equal(mailbox.status, 'open', 'left to the mailbox reader (malformed, then reset)')
  assert.equal(mailbox.delivered > 16, true, 'the reader got the bytes to judge')
  assert.deepEqual(resets, [])
})

void test('half frames: past the per-connection budget the stream adding bytes is reset', () => {
  const { connection, guard } = setup({
    perConnectionBytes: 1024 * KiB,
    globalBytes: 64 * 1024 * KiB,
  })
  const c = connection()
  // Ten streams each hold 105 KiB of a 108 KiB frame: the tenth passes 1 MiB.
  const streams = Array.from({ length: 10 }, () => c.open())
  for (const s of streams) {
    s.receive(negotiate(MAILBOX_PROTOCOL))
    s.receive(new Uint8Array([...varint(108 * KiB), ...new Uint8Array(105 * KiB)]))
  }
  assert.deepEqual(streams.map(violation), [
    ...Array<undefined>(9).fill(undefined),
    'connection_budget',
  ])
  assert.ok(guard.heldBytes <= 1024 * KiB)
  // A frame that completes releases what it held.
  streams[0]!.receive(new Uint8Array(3 * KiB))
  assert.equal(guard.heldBytes, 8 * (105 * KiB + 3))
})

void test('global budget: the heaviest connection gives way, not the one that sent the last byte', () => {
  const { connection, resets } = setup({ perConnectionBytes: 1024 * KiB, globalBytes: 1024 * KiB })
  const hog = connection()
  const hogStreams = [hog.open(), hog.open(), hog.open()]
  for (const s of hogStreams) {
    s.receive(negotiate(MAILBOX_PROTOCOL))
    s.receive(new Uint8Array([...varint(100 * KiB), ...new Uint8Array(95 * KiB)]))
  }
  const good = connection().open()
  good.receive(negotiate(MAILBOX_PROTOCOL))
  // 3 × 95 KiB held by the hog: fine. The good client's 64 KiB deposit pushes the total past a
  // smaller budget only in the second setup below; here all fit.
  good.receive(frame(new Uint8Array(64 * KiB)))
  assert.equal(good.status, 'open')
  assert.deepEqual(resets, [])

  const tight = setup({ perConnectionBytes: 1024 * KiB, globalBytes: 300 * KiB })
  const hog2 = tight.connection()
  const hs = [hog2.open(), hog2.open(), hog2.open()]
  for (const s of hs) {
    s.receive(negotiate(MAILBOX_PROTOCOL))
    s.receive(new Uint8Array([...varint(100 * KiB), ...new Uint8Array(95 * KiB)]))
  }
  const g2 = tight.connection().open()
  g2.receive(negotiate(MAILBOX_PROTOCOL))
  const deposit = frame(new Uint8Array(64 * KiB))
  g2.receive(deposit.subarray(0, 32 * KiB)) // half of it arrives first: 285 + 32 KiB > 300 KiB
  g2.receive(deposit.subarray(32 * KiB))
  assert.equal(g2.status, 'open', 'the good half frame survives')
  assert.equal(g2.delivered > 64 * KiB, true)
  assert.equal(hs.filter((s) => violation(s) === 'global_budget').length, 1, 'one hog stream reset')
})
