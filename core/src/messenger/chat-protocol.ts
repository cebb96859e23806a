/**
 * `/hestia/chat/1.0.0`: session frames over a direct libp2p stream (docs/protocol/messaging.md
 * "Chat frames"). Each frame is unsigned-varint length-prefixed (≤ 128 KiB); the receiver answers
 * each with a one-byte, length-prefixed transport ack: 0x01 stored (or a known duplicate), 0x02
 * rejected. Frames go over direct WebRTC connections only, so the handler does not run on limited
 * (relayed) connections.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { ProtocolError } from '../wire/errors.ts'
import { deadline, withDeadline } from '../wire/deadline.ts'
import { noteConnectionUse } from './idle-connections.ts'
import { CHAT_PROTOCOL, DIRECT_ACK, MESSENGER_LIMITS, MESSENGER_TIMING } from './limits.ts'
import {
  connectionCarrying,
  directConnection,
  newDirectStream,
  webrtcAddressVia,
  type MessengerNet,
} from './net.ts'
import { traceMark } from '../wire/latency-trace.ts'

/** How long the handler waits for the next frame on an open stream before it ends the stream. */
const FRAME_WAIT_MS = 30_000
/** How long the handler's close waits for the sender's FIN_ACK (libp2p's own default). */
const CLOSE_WAIT_MS = 10_000

/** Called for each inbound frame; resolve true when stored (or a duplicate), false when rejected. */
export type FrameHandler = (from: PeerId, frame: Uint8Array) => Promise<boolean>

export async function registerChatProtocol(
  net: MessengerNet,
  onFrame: FrameHandler,
): Promise<void> {
  await net.handle(
    CHAT_PROTOCOL,
    (stream, connection) => serveChatStream(stream, connection, onFrame),
    {
      maxInboundStreams: 32,
    },
  )
}

export async function serveChatStream(
  stream: Stream,
  connection: Connection,
  onFrame: FrameHandler,
): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: MESSENGER_LIMITS.directFrameBytes })
  // Every wait has a deadline cleared when it ends, never AbortSignal.timeout: a pending timeout
  // signal keeps the finished stream in memory until it fires (deadline.ts, ADR 0911).
  try {
    for (let i = 0; i < MESSENGER_LIMITS.framesPerStream; i++) {
      let frame: Uint8Array
      try {
        frame = (await withDeadline(FRAME_WAIT_MS, (signal) => lp.read({ signal }))).subarray()
      } catch {
        break // the sender closed its side, the frame was over the cap, or it went quiet
      }
      // A sender may keep this stream open between frames (ADR 0422): each frame is use of the
      // connection, the open stream alone is not (idle-connections.ts, ADR 0424).
      noteConnectionUse(connection)
      traceMark('serve.frame')
      let stored = false
      try {
        stored = await onFrame(connection.remotePeer, frame)
      } catch {
        stored = false
      }
      traceMark('serve.handled')
      const ack = Uint8Array.of(stored ? DIRECT_ACK.stored : DIRECT_ACK.rejected)
      await withDeadline(MESSENGER_TIMING.directAckMs, (signal) => lp.write(ack, { signal }))
      traceMark('serve.acked')
    }
    // Given no signal, libp2p's close waits on a timeout signal of its own. A close that does not
    // finish leaves the stream half-closed on the connection: it is aborted instead.
    await withDeadline(CLOSE_WAIT_MS, (signal) => stream.close({ signal })).catch((err: unknown) =>
      stream.abort(err instanceof Error ? err : new Error(String(err))),
    )
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

/** Why a direct send did not happen; the outbox then falls back to the mailbox. */
export class DirectSendError extends Error {
  override readonly name = 'DirectSendError'
  readonly code: 'unreachable' | 'rejected' | 'no_ack'
  constructor(code: DirectSendError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/**
 * Opens (or reuses) a direct connection to `peer` — dialled as WebRTC through one of `relays` within
 * MESSENGER_TIMING.directDialMs — sends `frame` on a stream of its own and waits for the transport
 * ack. The messenger sends through ChatStreams (chat-stream.ts), which keeps a stream open.
 */
export async function sendDirect(
  net: MessengerNet,
  peer: PeerId,
  relays: readonly string[],
  frame: Uint8Array,
): Promise<void> {
  if (frame.length > MESSENGER_LIMITS.directFrameBytes) {
    throw new ProtocolError('oversize', 'direct frame above the cap')
  }
  const { stream } = await openChatStream(net, peer, relays)
  const lp = lpStream(stream, { maxDataLength: 16 })
  const ackLimit = deadline(MESSENGER_TIMING.directAckMs)
  const ackSignal = ackLimit.signal
  try {
    await lp.write(frame, { signal: ackSignal })
    const ack = (await lp.read({ signal: ackSignal })).subarray()
    await stream.close({ signal: ackSignal }).catch(() => undefined)
    if (ack.length !== 1 || ack[0] !== DIRECT_ACK.stored) {
      throw new DirectSendError('rejected', 'the contact rejected the frame')
    }
  } catch (err) {
    // The stream opened but no ack came within directAckMs: the connection is judged by what it
    // carries (ADR 0910), so it goes and the next send starts afresh.
    const silent = ackSignal.aborted ? connectionCarrying(net, peer, stream) : undefined
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    if (err instanceof DirectSendError) throw err
    silent?.abort(new Error('no transport ack within the ack budget'))
    throw new DirectSendError('no_ack', 'no transport ack from the contact', { cause: err })
  } finally {
    ackLimit.clear()
  }
}

/**
 * A chat stream to `peer` on its direct connection, dialled as WebRTC through one of `relays` when
 * there is none; the dial and the stream open within MESSENGER_TIMING.directDialMs each. Throws
 * DirectSendError('unreachable'). Also gives the connection that carries the stream.
 */
export async function openChatStream(
  net: MessengerNet,
  peer: PeerId,
  relays: readonly string[],
): Promise<{ stream: Stream; connection: Connection }> {
  const connection = directConnection(net, peer) ?? (await dialWithinBudget(net, peer, relays))
  try {
    const stream = await withDeadline(MESSENGER_TIMING.directDialMs, (signal) =>
      newDirectStream(net, connection, CHAT_PROTOCOL, { signal }),
    )
    // newDirectStream may have moved to another connection of the peer's.
    const carrying = stream.status === 'open' ? connectionCarrying(net, peer, stream) : undefined
    return { stream, connection: carrying ?? connection }
  } catch (err) {
    throw new DirectSendError('unreachable', 'cannot open a chat stream', { cause: err })
  }
}

/**
 * A WebRTC dial through one of `relays` after another, all within directDialMs; the last error is
 * kept as the cause (net.ts `dialDirect` is the background variant, which keeps none).
 */
async function dialWithinBudget(
  net: MessengerNet,
  peer: PeerId,
  relays: readonly string[],
): Promise<Connection> {
  const limit = deadline(MESSENGER_TIMING.directDialMs)
  let lastErr: unknown
  try {
    for (const relay of relays) {
      try {
        return await net.dial(webrtcAddressVia(relay, peer.toString()), { signal: limit.signal })
      } catch (err) {
        lastErr = err
        if (limit.signal.aborted) break
      }
    }
  } finally {
    limit.clear()
  }
  throw new DirectSendError('unreachable', 'no direct connection to the contact', {
    cause: lastErr,
  })
}
