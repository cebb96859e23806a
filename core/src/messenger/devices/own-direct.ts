/**
 * `/hestia/own/1.0.0`: own-device frames (own-frames.ts, sealed exactly as for the mailbox: the
 * link key, both PeerIds in the associated data) over a direct libp2p stream between two of our
 * devices when both are online (issue 19, ADR 0790; docs/protocol/devices.md "Direct frames").
 *
 * - **Framing.** Each frame is unsigned-varint length-prefixed (at most `frameBytes`, the largest
 *   mailbox envelope); the receiver answers each with a one-byte, length-prefixed transport ack:
 *   0x01 taken (handled, or a duplicate the handler knew), 0x02 refused; after a refusal it closes
 *   the stream. Handled by the same code as a frame from the own-devices mailbox.
 * - **Who.** The handler runs on direct (not relayed) connections only, and only for a peer that
 *   is a linked device of ours, not removed, on our current signed list: anyone else's stream is
 *   reset before a byte is read. A frame must name the connection's peer as its sender.
 * - **Bounded.** At most `maxInboundStreams` streams per connection (libp2p refuses more), each
 *   waits `frameWaitMs` for its next frame and carries at most `framesPerStream`.
 * - **Sending.** One stream kept per device (kept-streams.ts: closed after `idleMs` without a frame
 *   or after `framesPerStream`); a send that finds it busy opens a stream of its own; a refused
 *   frame closes its stream (the handler ends it after a refusal). History chunks and ends use
 *   the direct connection or dial one within MESSENGER_TIMING.directDialMs (as a contact's send
 *   does); other kinds use only a connection an own-device frame already crossed (either way). Any
 *   failure answers false and the caller deposits the same frame in the mailbox; the device is
 *   then not tried directly for `failureHoldMs` (an offline device costs one dial, not one per
 *   frame).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { bytesEqual } from '../../crypto/bytes.ts'
import { KiB } from '../../wire/caps.ts'
import { withDeadline } from '../../wire/deadline.ts'
import { isProtocolError, ProtocolError } from '../../wire/errors.ts'
import { noteConnectionUse } from '../idle-connections.ts'
import {
  abortStream,
  closeGently,
  KeptStreams,
  StreamGone,
  type OpenedStream,
} from '../kept-streams.ts'
import { DIRECT_ACK, MESSENGER_TIMING } from '../limits.ts'
import {
  connectionCarrying,
  deviceIdOf,
  dialDirect,
  directConnection,
  isDirect,
  newDirectStream,
  peerIdBytes,
  peerIdOf,
  type MessengerNet,
} from '../net.ts'
import type { MessengerContext } from '../context.ts'
import type { OwnLink } from '../secrets.ts'
import { OWN_FRAME_KIND as K, ownFrameSender } from './own-frames.ts'
import { currentOwnList } from './own-devices.ts'
import { HISTORY_DIRECT_WINDOW, HISTORY_WINDOW } from './history-send.ts'

export const OWN_PROTOCOL = '/hestia/own/1.0.0'

export const OWN_DIRECT_LIMITS = {
  /** One frame: the largest sealed mailbox envelope (a 48 KiB history chunk fits with room). */
  frameBytes: 64 * KiB,
  /** Inbound streams of this protocol per connection (our devices are few; a sender keeps one). */
  maxInboundStreams: 8,
  /** Frames one inbound stream carries before the handler ends it. */
  framesPerStream: 256,
  /** How long the handler waits for the next frame before it ends the stream. */
  frameWaitMs: 30_000,
  /** After a failed direct send, the device's frames take the mailbox this long. */
  failureHoldMs: 30_000,
} as const

/**
 * KeptStreams' options for own-device frames but the idle time and ack hook (kept-streams.test.ts
 * runs with them): a refused frame closes its stream, as the handler ends it after a refusal.
 */
export const OWN_KEPT_STREAMS = {
  framesPerStream: OWN_DIRECT_LIMITS.framesPerStream,
  keepRefused: false,
  silentReason: 'no own-device ack within budget',
} as const

/**
 * Kinds that go over a direct stream when one is open: each is taken once however often it
 * arrives (message ids, seqs, transfer ids), so a frame that went direct and then also into the
 * mailbox after a lost ack changes nothing twice. History chunks and ends may dial (within
 * directDialMs, once per failureHoldMs); an ack goes direct only on an open connection (its chunk
 * came over one, or the sender could not be reached: a dial would only hold the ack up).
 */
const DIAL_KINDS: ReadonlySet<number> = new Set([K.historyChunk, K.historyEnd])
const OPEN_KINDS: ReadonlySet<number> = new Set([
  K.historyAck,
  K.sentCopy,
  K.readUpTo,
  K.delivery,
  K.receivedCopy,
  K.reached,
])

/** How an own-device frame of `kind` may go directly: dialling, on an open connection, or not. */
export function directRoute(kind: number): 'dial' | 'open' | null {
  return DIAL_KINDS.has(kind) ? 'dial' : OPEN_KINDS.has(kind) ? 'open' : null
}

/**
 * The direct path of the own-device channel (own-channel.ts): a stream is admitted from a device
 * among `links` (linked, not removed) that our current signed list names.
 */
export function ownDirect(
  channel: { ctx(): MessengerContext; relays(): readonly string[] },
  links: () => readonly OwnLink[],
  take: (frame: Uint8Array) => Promise<void>,
): OwnDirect {
  return new OwnDirect({
    net: () => channel.ctx().net,
    relays: () => channel.relays(),
    admits: async (deviceId) => {
      if (!links().some((l) => l.deviceId === deviceId)) return false
      const list = await currentOwnList(channel.ctx()).catch(() => null)
      return list?.devices.some((d) => deviceIdOf(d.peerId) === deviceId) === true
    },
    take: (_deviceId, frame) => take(frame),
    log: (message, err) => channel.ctx().log(message, err),
  })
}

/** Connections an own-device frame crossed (either way): frames that do not dial use only these. */
const proven = new WeakSet<Connection>()

export interface OwnDirectDeps {
  net(): MessengerNet
  relays(): readonly string[]
  /** Whether `deviceId` is a linked device of ours, not removed, on our current list. */
  admits(deviceId: string): Promise<boolean>
  /** Handles one frame from `deviceId` (own-channel.ts receive); throws to refuse it. */
  take(deviceId: string, frame: Uint8Array): Promise<void>
  log(message: string, err?: unknown): void
  /** A kept stream with no frame for this long is closed (default chatStreamIdleMs). */
  idleMs?: number
  clock?(): number
}

export class OwnDirect {
  readonly #d: OwnDirectDeps
  readonly #streams: KeptStreams
  /** Device → until when its frames skip the direct path (after a failure). */
  readonly #held = new Map<string, number>()
  /** Frames being handled: close() waits for them. */
  readonly #handling = new Set<Promise<unknown>>()
  #serving = false
  #closed = false

  constructor(deps: OwnDirectDeps) {
    this.#d = deps
    this.#streams = new KeptStreams({
      ...OWN_KEPT_STREAMS,
      idleMs: deps.idleMs ?? MESSENGER_TIMING.chatStreamIdleMs,
      onAck: (connection) => proven.add(connection),
    })
  }

  get #now(): number {
    return this.#d.clock?.() ?? Date.now()
  }

  /** Registers the handler (once; again after close()). */
  async serve(): Promise<void> {
    if (this.#serving) return
    this.#serving = true
    this.#closed = false
    this.#streams.reopen()
    try {
      await this.#d
        .net()
        .handle(OWN_PROTOCOL, (stream, connection) => this.#serveStream(stream, connection), {
          maxInboundStreams: OWN_DIRECT_LIMITS.maxInboundStreams,
        })
    } catch (err) {
      this.#serving = false
      throw err
    }
  }

  /** Refuses new streams and frames, closes kept streams, waits for frames being handled. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#serving)
      await this.#d
        .net()
        .unhandle(OWN_PROTOCOL)
        .catch(() => undefined)
    this.#serving = false
    await this.#streams.close()
    while (this.#handling.size > 0) await Promise.allSettled([...this.#handling])
  }

  /**
   * History chunks in flight to `deviceId`: wider while frames cross a direct connection to it
   * (one already crossed, and no failure since), else the mailbox's (ADR 0790).
   */
  historyWindow(deviceId: string): number {
    const connection = directConnection(this.#d.net(), peerIdOf(deviceId))
    const direct = connection !== undefined && proven.has(connection)
    const held = (this.#held.get(deviceId) ?? 0) > this.#now
    return direct && !held ? HISTORY_DIRECT_WINDOW : HISTORY_WINDOW
  }

  /** An own-device frame of `kind` directly when its kind may go so (directRoute); else false. */
  async sendKind(deviceId: string, kind: number, frame: Uint8Array): Promise<boolean> {
    const route = directRoute(kind)
    return route !== null && (await this.send(deviceId, frame, route === 'dial'))
  }

  /**
   * Sends one sealed frame to `deviceId` and waits for its transport ack: true when taken there;
   * false when it did not go (no connection and `dial` false, held after a failure, the dial,
   * stream or ack failed, or the device refused it). Never throws.
   */
  async send(deviceId: string, frame: Uint8Array, dial: boolean): Promise<boolean> {
    if (this.#closed || frame.length > OWN_DIRECT_LIMITS.frameBytes) return false
    if ((this.#held.get(deviceId) ?? 0) > this.#now) return false
    const current = directConnection(this.#d.net(), peerIdOf(deviceId))
    try {
      const taken = await this.#streams.send(deviceId, current, frame, () =>
        this.#open(deviceId, dial),
      )
      if (taken === false) this.#hold(deviceId, 'refused')
      return taken === true
    } catch (err) {
      this.#hold(deviceId, err instanceof StreamGone ? 'the stream ended before the ack' : err)
      return false
    }
  }

  #hold(deviceId: string, why: unknown): void {
    this.#held.set(deviceId, this.#now + OWN_DIRECT_LIMITS.failureHoldMs)
    this.#d.log(`own-device frames to ${deviceId} take the mailbox for now`, why)
  }

  /** A stream on the device's direct connection (dialled when `dial`), or none. */
  async #open(deviceId: string, dial: boolean): Promise<OpenedStream | undefined> {
    const net = this.#d.net()
    const peer = peerIdOf(deviceId)
    let connection = directConnection(net, peer)
    // Not dialling: only a connection an own-device frame crossed already (a one-sided one left
    // by a failed dial, ADR 0907, would hold the frame up for the stream budget).
    if (!dial && connection !== undefined && !proven.has(connection)) return undefined
    if (connection === undefined) {
      if (!dial) return undefined
      connection = await withDeadline(MESSENGER_TIMING.directDialMs, (signal) =>
        dialDirect(net, peer, this.#d.relays(), signal),
      )
      if (connection === undefined) throw new Error('no direct connection to that device')
    }
    const from = connection
    const stream = await withDeadline(MESSENGER_TIMING.directDialMs, (signal) =>
      newDirectStream(net, from, OWN_PROTOCOL, { signal }),
    )
    return { stream, connection: connectionCarrying(net, peer, stream) ?? connection }
  }

  /** An inbound stream: refused at once unless its peer is a device of ours, connected directly. */
  async #serveStream(stream: Stream, connection: Connection): Promise<void> {
    const deviceId = connection.remotePeer.toString()
    try {
      // libp2p keeps limited (relayed) connections out; a relay that set no limits does not.
      if (!isDirect(connection)) {
        this.#d.log('own-device stream refused: not a direct connection', deviceId)
        return stream.abort(new ProtocolError('malformed', 'own-device frames go direct only'))
      }
      if (this.#closed || !(await this.#d.admits(deviceId))) {
        this.#d.log('own-device stream refused: not a linked device of ours', deviceId)
        return stream.abort(new ProtocolError('unknown_key', 'not a linked device of ours'))
      }
      const lp = lpStream(stream, { maxDataLength: OWN_DIRECT_LIMITS.frameBytes })
      const sender = peerIdBytes(connection.remotePeer)
      for (let i = 0; i < OWN_DIRECT_LIMITS.framesPerStream; i++) {
        const frame = await this.#next(lp, deviceId)
        if (frame === null) break
        noteConnectionUse(connection)
        proven.add(connection)
        const refused = await this.#handle(deviceId, sender, frame)
        const ack = Uint8Array.of(refused === null ? DIRECT_ACK.stored : DIRECT_ACK.rejected)
        await withDeadline(MESSENGER_TIMING.directAckMs, (signal) => lp.write(ack, { signal }))
        if (refused !== null) break
      }
      await closeGently(stream)
    } catch (err) {
      abortStream(stream, err)
    }
  }

  /** The next frame, or null when the stream ended, went quiet or sent one over the cap. */
  async #next(lp: ReturnType<typeof lpStream>, deviceId: string): Promise<Uint8Array | null> {
    try {
      return (
        await withDeadline(OWN_DIRECT_LIMITS.frameWaitMs, (signal) => lp.read({ signal }))
      ).subarray()
    } catch (err) {
      const name = err instanceof Error ? err.name : ''
      if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
        const over = new ProtocolError('oversize', 'own-device frame over the direct cap')
        this.#d.log(`own-device stream from ${deviceId} refused: oversize`, over)
        throw over
      }
      return null
    }
  }

  /** Handles one frame; null when taken, else the error it was refused with (logged). */
  async #handle(deviceId: string, sender: Uint8Array, frame: Uint8Array): Promise<Error | null> {
    const work = (async () => {
      if (this.#closed) throw new Error('own-device channel closing: frame not taken')
      if (!bytesEqual(ownFrameSender(frame), sender))
        throw new ProtocolError('wrong_key', 'own-device frame names another sender')
      await this.#d.take(deviceId, frame)
    })()
    this.#handling.add(work)
    try {
      await work
      return null
    } catch (err) {
      const why = isProtocolError(err) ? `refused (${err.code})` : 'not taken'
      this.#d.log(`own-device direct frame from ${deviceId} ${why}`, err)
      return err instanceof Error ? err : new Error(String(err))
    } finally {
      this.#handling.delete(work)
    }
  }
}
