/**
 * History between our own devices (issue 19, ADR 0790), over the own-device channel (ADR 0762):
 *
 * - **Transfer.** On the user's word (`devices.sendHistory`) one device sends its stored text
 *   messages to a linked device of ours in chunks (kind 16, history-codec.ts) and then the end
 *   (kind 20), at most `HISTORY_WINDOW` unacknowledged (history-send.ts: deposited again when no
 *   ack comes, resumed where it stopped after a failure or the other device's restart); the
 *   receiver stores each chunk in one transaction and answers with an ack (kind 17), and shows
 *   the transfer done when the end comes (message ids make a chunk seen twice store nothing twice).
 * - **The gap after a link.** A contact sends to the devices it knows; until it took a new
 *   companion's Hello, only the primary gets its messages. The primary forwards every text it
 *   receives to each companion (kind 18, a SentCopy of the payload, filed there as received) until
 *   that companion says it heard from the contact itself (kind 19: the contact's identity key).
 *
 * Only a device on our current signed list with a link is sent to or taken from.
 */
import type { ClientEvent, HistorySize, HistoryTransfer } from '../../client/api.ts'
import { ClientApiError } from '../../client/api.ts'
import { toHex } from '../../crypto/bytes.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../../crypto/primitives.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import { deviceIdOf } from '../net.ts'
import { decodePayload, encodePayload } from '../payload.ts'
import { fromBase64Url, toBase64Url } from '../records.ts'
import type { OwnLink } from '../secrets.ts'
import {
  decodeHistoryAck,
  decodeHistoryChunk,
  decodeHistoryEnd,
  encodeHistoryAck,
} from './history-codec.ts'
import { historyTotals } from './history-plan.ts'
import { HISTORY_WINDOW, HistorySender } from './history-send.ts'
import { storeOwnDeviceMessages } from './history-store.ts'
import { currentOwnList } from './own-devices.ts'
import { acceptSentCopy, encodeSentCopy } from './sync.ts'

/** Own-device frame kinds (own-frames.ts OWN_FRAME_KIND lists them too, so they open). */
export const HISTORY_FRAME_KIND = {
  chunk: 16,
  ack: 17,
  receivedCopy: 18,
  reached: 19,
  end: 20,
} as const
export type HistoryFrameKind = (typeof HISTORY_FRAME_KIND)[keyof typeof HISTORY_FRAME_KIND]

export { HISTORY_DIRECT_WINDOW, HISTORY_RESENDS, HISTORY_WINDOW } from './history-send.ts'
/** Ids of messages filed here from another device, remembered so they are not taken as heard. */
const MAX_FILED_IDS = 4096

export interface OwnHistoryDeps {
  ctx(): MessengerContext
  links(): readonly OwnLink[]
  /** Seals and deposits one frame for a linked device (own-channel.ts). */
  send(link: OwnLink, kind: number, body: Uint8Array): Promise<void>
  /** A contact's message forwarded by the primary was new here: the user is notified. */
  notify?(peerIdentityKey: Uint8Array): Promise<void>
  /** Chunks in flight for `link` now (wider on a direct stream, ADR 0790). */
  window?(link: OwnLink): number
}

export function isHistoryKind(kind: number): kind is HistoryFrameKind {
  return Object.values(HISTORY_FRAME_KIND).some((k) => k === kind)
}

export class OwnHistory {
  readonly #d: OwnHistoryDeps
  /** Sending to our other devices (history-send.ts). */
  readonly #sender: HistorySender
  /** Per companion (primary side): contacts it heard from itself, so nothing is forwarded. */
  readonly #reached = new Map<string, Set<string>>()
  /** Contacts this companion heard from itself this run (told to the primary once each). */
  readonly #heard = new Set<string>()
  readonly #filed = new Set<string>()
  /**
   * Per sending device: what its transfer newly stored here so far, the transfer id of its last
   * chunk and the end last seen (a chunk or end handed over again changes neither).
   */
  readonly #incoming = new Map<
    string,
    { messages: number; transfer: string; ended: string | null }
  >()
  #stopped = false

  constructor(deps: OwnHistoryDeps) {
    this.#d = deps
    this.#sender = new HistorySender({
      ctx: () => this.#ctx,
      links: () => this.#d.links(),
      send: (link, kind, body) => this.#d.send(link, kind, body),
      emit: (transfer) => this.#emit(transfer),
      window: (link) => this.#d.window?.(link) ?? HISTORY_WINDOW,
    })
  }

  /** How long the sender waits for an ack before depositing again (tests shorten it). */
  get ackTimeoutMs(): number {
    return this.#sender.ackTimeoutMs
  }

  set ackTimeoutMs(ms: number) {
    this.#sender.ackTimeoutMs = ms
  }

  get #ctx(): MessengerContext {
    return this.#d.ctx()
  }

  /** The link with `deviceId` if it is also on our current list; `not_found` otherwise. */
  async #linkOf(deviceId: string): Promise<OwnLink> {
    const link = this.#d.links().find((l) => l.deviceId === deviceId)
    const list = await currentOwnList(this.#ctx)
    const listed = list.devices.some((d) => deviceIdOf(d.peerId) === deviceId)
    if (link === undefined || !listed)
      throw new ClientApiError('not_found', 'no linked device of ours with that id')
    return link
  }

  async size(deviceId: string): Promise<HistorySize> {
    await this.#linkOf(deviceId)
    const { messages, chats, bytes } = await historyTotals(this.#ctx, this.#ctx.platform.clock())
    return { messages, chats, bytes }
  }

  /**
   * Starts sending; resolves with the transfer as it starts (events follow). After a failure it
   * goes on where the failed one stopped.
   */
  async send(deviceId: string): Promise<HistoryTransfer> {
    if (this.#stopped) throw new ClientApiError('invalid_state', 'the messenger is stopping')
    return this.#sender.send(await this.#linkOf(deviceId))
  }

  /** A linked device announced its mailbox (it started): a transfer to it goes on at once. */
  peerBack(deviceId: string): void {
    const link = this.#d.links().find((l) => l.deviceId === deviceId)
    if (link !== undefined) this.#sender.peerBack(link)
  }

  /**
   * The messenger stops: each outgoing run ends where it is, its ack wait cancelled, with no
   * further chunk, event or timer; resolves once none is left (the store may close after).
   */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.#sender.stop()
  }

  #emit(transfer: HistoryTransfer): void {
    this.#ctx.emit({ type: 'device.history', transfer: { ...transfer } })
  }

  /** A history frame from the linked device `sender`. Throws ProtocolError for one it refuses. */
  async receive(link: OwnLink, kind: HistoryFrameKind, body: Uint8Array): Promise<void> {
    const list = await currentOwnList(this.#ctx)
    if (!list.devices.some((d) => deviceIdOf(d.peerId) === link.deviceId))
      throw new ProtocolError('unknown_key', 'history from a device our list does not name')
    if (kind === HISTORY_FRAME_KIND.chunk) await this.#takeChunk(link, body)
    else if (kind === HISTORY_FRAME_KIND.end) await this.#takeEnd(link, body)
    else if (kind === HISTORY_FRAME_KIND.ack) this.#takeAck(link, body)
    else if (kind === HISTORY_FRAME_KIND.receivedCopy) await this.#takeReceivedCopy(link, body)
    else this.#takeReached(link, body)
  }

  async #takeChunk(link: OwnLink, body: Uint8Array): Promise<void> {
    const chunk = decodeHistoryChunk(body)
    for (const m of chunk.messages) this.#remember(toBase64Url(m.messageId))
    const fresh = await storeOwnDeviceMessages(this.#ctx, chunk.peerIdentityKey, chunk.messages)
    await this.#d.send(link, HISTORY_FRAME_KIND.ack, encodeHistoryAck(chunk.transferId, chunk.seq))
    // Counted per sending device from its first chunk on (a resumed run goes on with the count);
    // a chunk of the same run seen again keeps the count and the end it had.
    const was = this.#incoming.get(link.deviceId)
    const transfer = toHex(chunk.transferId)
    const same = was?.transfer === transfer
    const restart = was === undefined || (chunk.seq === 1 && !same)
    const messages = (restart ? 0 : was.messages) + fresh.length
    this.#incoming.set(link.deviceId, { messages, transfer, ended: same ? was.ended : null })
    // Never done here: the total is the sender's estimate; the end (kind 20) says it.
    this.#emit({
      deviceId: link.deviceId,
      direction: 'in',
      state: 'running',
      chunksDone: chunk.seq,
      chunks: chunk.total,
      messages,
      reason: null,
    })
  }

  /** The end of a transfer: every chunk before it was stored here (the sender had the acks). */
  async #takeEnd(link: OwnLink, body: Uint8Array): Promise<void> {
    const { transferId, seq } = decodeHistoryEnd(body)
    await this.#d.send(link, HISTORY_FRAME_KIND.ack, encodeHistoryAck(transferId, seq))
    const was = this.#incoming.get(link.deviceId)
    const id = toHex(transferId)
    if (was?.ended === id) return // said already (an end deposited again)
    this.#incoming.set(link.deviceId, { messages: was?.messages ?? 0, transfer: id, ended: id })
    this.#emit({
      deviceId: link.deviceId,
      direction: 'in',
      state: 'done',
      chunksDone: seq - 1,
      chunks: seq - 1,
      messages: was?.messages ?? 0,
      reason: null,
    })
  }

  #takeAck(link: OwnLink, body: Uint8Array): void {
    const { transferId, seq } = decodeHistoryAck(body)
    this.#sender.takeAck(link.deviceId, transferId, seq)
  }

  #remember(messageId: string): void {
    this.#filed.add(messageId)
    if (this.#filed.size > MAX_FILED_IDS) {
      const oldest = this.#filed.values().next().value
      if (oldest !== undefined) this.#filed.delete(oldest)
    }
  }

  /** Our events: texts received on the primary go to companions that may not get them. */
  async onEvent(event: ClientEvent): Promise<void> {
    if (event.type !== 'message.added') return
    const m = event.message
    if (m.direction !== 'in' || m.body.kind !== 'text' || this.#filed.has(m.messageId)) return
    const ctx = this.#ctx
    const conv = await ctx.store.getConversation(m.conversationId)
    const contact = conv && (await ctx.store.getContact(conv.contactId))
    if (contact === undefined) return
    const key = contact.identityKeyId
    if (ctx.local.companion === true) {
      // Heard from the contact itself: the primary need not forward its messages any more.
      if (this.#heard.has(key)) return
      for (const link of this.#d.links())
        await this.#d.send(link, HISTORY_FRAME_KIND.reached, contact.identityPublicKey)
      // Only once said: a failed deposit is tried again at the contact's next message.
      this.#heard.add(key)
      return
    }
    const payload = encodePayload({
      messageId: fromBase64Url(m.messageId),
      sentAt: m.sentAt,
      body: { kind: 'text', text: m.body.text },
    })
    const copy = encodeSentCopy({ peerIdentityKey: contact.identityPublicKey, payload })
    for (const link of this.#d.links()) {
      if (this.#reached.get(link.deviceId)?.has(key) === true) continue
      await this.#d
        .send(link, HISTORY_FRAME_KIND.receivedCopy, copy)
        .catch((err: unknown) => ctx.log(`received message not forwarded to ${link.deviceId}`, err))
    }
  }

  async #takeReceivedCopy(link: OwnLink, body: Uint8Array): Promise<void> {
    const ctx = this.#ctx
    if (ctx.local.companion !== true)
      throw new ProtocolError('wrong_key', 'received messages are forwarded by the primary only')
    const own = ctx.local.identity.publicKey
    const copy = acceptSentCopy(body, own, own)
    const payload = decodePayload(copy.payload)
    if (payload.body.kind !== 'text') throw new ProtocolError('malformed', 'forwarded: not a text')
    const messageId = toBase64Url(payload.messageId)
    this.#remember(messageId)
    const fresh = await storeOwnDeviceMessages(
      ctx,
      copy.peerIdentityKey,
      [
        {
          messageId: payload.messageId,
          direction: 'in',
          sentAt: payload.sentAt,
          receivedAt: 0,
          delivery: null,
          readAt: null,
          text: payload.body.text,
        },
      ],
      true,
    )
    // New here, as if it had come from the contact itself (a copy seen before: no second one).
    if (fresh.length > 0) await this.#d.notify?.(copy.peerIdentityKey)
    // Already heard from that contact ourselves (the primary restarted): say so again.
    const key = toBase64Url(copy.peerIdentityKey)
    if (this.#heard.has(key))
      await this.#d.send(link, HISTORY_FRAME_KIND.reached, copy.peerIdentityKey)
  }

  #takeReached(link: OwnLink, body: Uint8Array): void {
    if (this.#ctx.local.companion === true) return // only the primary forwards
    if (body.length !== ED25519_PUBLIC_KEY_BYTES)
      throw new ProtocolError('malformed', 'reached: a 32-byte identity key')
    const reached = this.#reached.get(link.deviceId) ?? new Set<string>()
    reached.add(toBase64Url(body))
    this.#reached.set(link.deviceId, reached)
  }
}
