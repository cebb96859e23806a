/**
 * The sending side of `/hestia/chat/1.0.0` with one stream kept open per contact device (issue #21,
 * ADR 0422). A stream per frame cost a new RTCDataChannel, its protocol selection and a peer-store
 * write at both ends, then a close handshake: about 5 ms of a 20 ms round trip in Node, each way
 * (scripts/profile-direct-message.ts). The handler already serves up to framesPerStream frames
 * per stream, each acked in order (chat-protocol.ts), so nothing on the wire changes.
 *
 * The streams are kept by kept-streams.ts (shared with our own devices' direct frames); the chat's
 * rules here:
 *
 * - One kept stream per contact device. A send finding it busy opens a stream of its own for that
 *   frame, as before, and closes it after: a slow ack never holds up the next frame.
 * - A kept stream that carried nothing for `idleMs` is closed, well before the handler's own 30 s
 *   wait ends it from the other side; so is one that carried framesPerStream frames.
 * - A rejected frame leaves the stream kept (the handler goes on reading after a rejection).
 * - A kept stream that turns out gone (the peer reset or ended it) is dropped and the frame goes
 *   on a fresh stream once; a frame the peer may have stored before that is acked again as a
 *   known duplicate (the ratchet refuses the replay). No ack within directAckMs ends the stream
 *   and the connection, as for a one-off stream (DirectSendError 'no_ack').
 */
import type { PeerId } from '@libp2p/interface'
import { ProtocolError } from '../wire/errors.ts'
import { DirectSendError, openChatStream } from './chat-protocol.ts'
import { AckTimeout, KeptStreams, StreamGone } from './kept-streams.ts'
import { MESSENGER_LIMITS, MESSENGER_TIMING } from './limits.ts'
import { directConnection, type MessengerNet } from './net.ts'

export interface ChatStreamsOptions {
  /**
   * A kept stream with no frame for this long is closed (default MESSENGER_TIMING.chatStreamIdleMs);
   * 0 keeps none: one stream per frame, as before ADR 0422.
   */
  idleMs?: number
}

/** The chat's KeptStreams options but the idle time (kept-streams.test.ts runs with them). */
export const CHAT_KEPT_STREAMS = {
  framesPerStream: MESSENGER_LIMITS.framesPerStream,
  keepRefused: true,
  silentReason: 'no transport ack within the ack budget',
  trace: true,
} as const

export class ChatStreams {
  readonly #net: MessengerNet
  readonly #streams: KeptStreams

  constructor(net: MessengerNet, options: ChatStreamsOptions = {}) {
    const idleMs = options.idleMs ?? MESSENGER_TIMING.chatStreamIdleMs
    if (!(idleMs >= 0)) throw new RangeError('chat stream idle time: 0 ms or more')
    this.#net = net
    this.#streams = new KeptStreams({ ...CHAT_KEPT_STREAMS, idleMs })
  }

  /** Streams kept open now (tests, diagnostics). */
  get kept(): number {
    return this.#streams.size
  }

  /**
   * Sends `frame` to `peer` and waits for its transport ack: on the kept stream when it is free,
   * else on a fresh one (dialled through `relays` within directDialMs when no direct connection
   * exists). Throws DirectSendError as sendDirect does.
   */
  async send(peer: PeerId, relays: readonly string[], frame: Uint8Array): Promise<void> {
    if (frame.length > MESSENGER_LIMITS.directFrameBytes) {
      throw new ProtocolError('oversize', 'direct frame above the cap')
    }
    let taken: boolean | undefined
    try {
      taken = await this.#streams.send(
        peer.toString(),
        directConnection(this.#net, peer),
        frame,
        () => openChatStream(this.#net, peer, relays),
      )
    } catch (err) {
      if (err instanceof AckTimeout)
        throw new DirectSendError('no_ack', 'no transport ack from the contact', { cause: err })
      if (err instanceof StreamGone)
        throw new DirectSendError('no_ack', 'the chat stream ended before the ack', { cause: err })
      throw err
    }
    if (taken !== true) throw new DirectSendError('rejected', 'the contact rejected the frame')
  }

  /** Closes every kept stream (the messenger stops); later sends use one stream each. */
  close(): Promise<void> {
    return this.#streams.close()
  }
}
