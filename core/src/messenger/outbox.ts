/**
 * The durable outbox: items of one conversation leave strictly in order (only each conversation's
 * head is tried), retries back off exponentially with jitter, and each attempt encrypts the item's
 * payload with the contact's session (stored before the frame leaves), then sends it directly when
 * the session is confirmed and the device is reachable, else seals it into the contact's mailbox.
 * Rows are made only by outbox-rows.ts (queueMessage, queueReceipts, …), in the transaction of
 * what they belong to.
 */
import type { ClientEvent } from '../client/api.ts'
import { decodeDeviceCert as decodeSigned } from '../crypto/codecs.ts'
import { PREKEY_KIND, verifyPrekeyBundle, verifySignedPrekey } from '../crypto/prekeys.ts'
import { initiateSession } from '../crypto/pqxdh.ts'
import type { Session } from '../crypto/session.ts'
import type { ContactRecord, OutboxRecord, SessionRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import { DirectSendError } from './chat-protocol.ts'
import { ChatStreams } from './chat-stream.ts'
import { randomId, type MessengerContext } from './context.ts'
import { MESSENGER_TIMING as T } from './limits.ts'
import type { MailboxManager } from './mailbox-manager.ts'
import { deviceIdOf, dialDirectInBackground, directConnection, peerIdOf } from './net.ts'
import { decodePayload, encodePayload, type HelloBody } from './payload.ts'
import {
  activeSession,
  decodeOutbound,
  encodeSessionState,
  restoreSession,
  toBase64Url,
} from './records.ts'
import { chatMessage, laterDelivery } from './views.ts'
import { InviteClosedError, isClosedMailbox, markInviteClosed } from './invite-closed.ts'
import { bytesEqual } from '../crypto/bytes.ts'
import { copyToOtherDevices } from './devices/device-copies.ts'
import { traceMark } from '../wire/latency-trace.ts'
import type { Presealed } from './outbox-preseal.ts'

export type Route = 'direct' | 'mailbox'

export interface OutboxHooks {
  /** Our relays (the first holds our mailboxes). */
  relays(): string[]
  /** Opens a mailbox for `contact` on our relay when it has none (session reset after restore). */
  ensureInboundMailbox(contact: ContactRecord): Promise<ContactRecord>
  helloFor(contact: ContactRecord, reply: boolean): HelloBody | null
  /** A message leaves for the contact: our other devices get a sent copy (ADR 0762). */
  sentToContact?(contact: ContactRecord, payload: Uint8Array): Promise<void>
  /** Told after every successful send (latency logs, tests). */
  onSent?(item: OutboxRecord, route: Route, frame: Uint8Array): void
  /** A kept chat stream's idle time (ADR 0422); default MESSENGER_TIMING.chatStreamIdleMs. */
  chatStreamIdleMs?: number
}

/** A frame sealed for one of the contact's devices. */
interface Sealed {
  frame: Uint8Array
  /** The session has had a reply: the device is known to hold it (direct sends only then). */
  confirmed: boolean
  deviceId: string
}

export function backoffMs(attempts: number, random: () => number): number {
  const base = Math.min(T.retryMaxMs, T.retryFirstMs * 2 ** Math.max(0, attempts - 1))
  return Math.round(base * (0.8 + 0.4 * random()))
}

export class Outbox {
  readonly #ctx: MessengerContext
  readonly #mailboxes: MailboxManager
  readonly #hooks: OutboxHooks
  /** Direct frames go over one chat stream kept open per contact device (ADR 0422). */
  readonly #direct: ChatStreams
  #running: Promise<void> | null = null
  #again = false
  #timer: ReturnType<typeof setTimeout> | null = null
  #stopped = false
  /** Rows being sent now: a pass's attempt, or a receipt sealed in its commit (ADR 0441). */
  readonly #claimed = new Set<number>()
  /** Presealed receipts on their way; stop() waits for them. */
  readonly #presealed = new Set<Promise<void>>()

  constructor(ctx: MessengerContext, mailboxes: MailboxManager, hooks: OutboxHooks) {
    this.#ctx = ctx
    this.#mailboxes = mailboxes
    this.#hooks = hooks
    this.#direct = new ChatStreams(
      ctx.net,
      hooks.chatStreamIdleMs !== undefined ? { idleMs: hooks.chatStreamIdleMs } : {},
    )
  }

  /** Runs a pass soon (after an enqueue, a reconnect, a trust change). */
  kick(): void {
    if (this.#stopped) return
    if (this.#running !== null) {
      this.#again = true
      return
    }
    this.#running = this.#pump().finally(() => {
      this.#running = null
      if (this.#again) {
        this.#again = false
        this.kick()
      }
    })
  }

  /**
   * Makes every waiting head due now (after start, or when a relay connection came back): a
   * reconnect is the best moment to retry, whatever the backoff said.
   */
  async retryNow(): Promise<void> {
    const { store, platform } = this.#ctx
    const now = platform.clock()
    for (const head of await store.outboxHeads()) {
      if (head.nextAttemptAt > now) {
        await store.updateOutbox({ ...head, nextAttemptAt: now }).catch(() => undefined)
      }
    }
    this.kick()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    await this.#running
    while (this.#presealed.size > 0) await Promise.allSettled([...this.#presealed])
    await this.#direct.close()
  }

  async #pump(): Promise<void> {
    const { store, platform } = this.#ctx
    let heads: OutboxRecord[]
    try {
      heads = await store.outboxHeads()
    } catch (err) {
      this.#ctx.log('outbox: cannot read', err)
      return
    }
    const now = platform.clock()
    // Conversations whose contact is blocked or in a key change wait for the user, not a timer:
    // the trust change kicks the outbox again.
    const held = new Set<string>()
    await Promise.all(
      heads
        .filter((h) => h.nextAttemptAt <= now)
        .map(async (h) => {
          try {
            if ((await this.#attempt(h)) === 'held') held.add(h.conversationId)
          } catch (err) {
            this.#ctx.log('outbox attempt', err)
          }
        }),
    )
    if (this.#stopped) return
    const later = (await store.outboxHeads())
      .filter((h) => !held.has(h.conversationId) && !this.#claimed.has(h.seq))
      .map((h) => h.nextAttemptAt)
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (later.length > 0) {
      const wait = Math.max(10, Math.min(...later) - platform.clock())
      this.#timer = setTimeout(() => {
        this.#timer = null
        this.kick()
      }, wait)
    }
  }

  /**
   * A row sealed in the transaction that queued it (outbox-preseal.ts): sent now, not by a pass,
   * as a pass's attempt would send it (direct, else the same frame into the mailbox; a failure
   * counts as the row's attempt). A pass never sends a row while it is claimed here.
   */
  sendPresealed(p: Presealed): void {
    if (this.#stopped || this.#claimed.has(p.row.seq)) return
    this.#claimed.add(p.row.seq)
    traceMark(`outbox.presealed ${p.row.kind}`)
    const sealed: Sealed = { frame: p.frame, confirmed: true, deviceId: p.deviceId }
    const sending: Promise<void> = this.#deliver(p.contact, p.row, sealed)
      .then(() => undefined)
      .catch((err: unknown) => this.#ctx.log('outbox: presealed row', err))
      .finally(() => {
        this.#claimed.delete(p.row.seq)
        this.#presealed.delete(sending)
        this.kick()
      })
    this.#presealed.add(sending)
  }

  async #attempt(item: OutboxRecord): Promise<'done' | 'held' | 'retry'> {
    // A row read before a presealed receipt claimed it is that send's (sendPresealed).
    if (this.#claimed.has(item.seq)) return 'done'
    this.#claimed.add(item.seq)
    try {
      return await this.#attemptClaimed(item)
    } finally {
      this.#claimed.delete(item.seq)
    }
  }

  async #attemptClaimed(item: OutboxRecord): Promise<'done' | 'held' | 'retry'> {
    const { store } = this.#ctx
    traceMark(`outbox.attempt ${item.kind}`)
    // One store transaction for both reads: each is a round trip to IndexedDB in the browser, on
    // the message's path (ADR 0423).
    const { conversation, contact } = await store.transaction(async (tx) => {
      const conversation = await tx.getConversation(item.conversationId)
      return {
        conversation,
        contact: conversation && (await tx.getContact(conversation.contactId)),
      }
    })
    if (conversation === undefined || contact === undefined) {
      await store.deleteOutbox(item.seq).catch(() => undefined)
      return 'done'
    }
    // Held, not failed: sending resumes when the user unblocks or settles the key change.
    if (contact.blocked || contact.keyChange !== null) return 'held'
    return this.#deliver(contact, item, null)
  }

  /** Sends `item`, sealed now or already (`sealed`), then records it sent (or the failure). */
  async #deliver(
    contact: ContactRecord,
    item: OutboxRecord,
    sealed: Sealed | null,
  ): Promise<'done' | 'retry'> {
    const { store } = this.#ctx
    // Our other devices get the sent copy first (ADR 0762), so the contact's receipt, which
    // reaches them too, finds it there; once, on the first attempt.
    if (item.kind === 'message' && item.attempts === 0)
      await this.#hooks.sentToContact?.(contact, item.payload)
    let route: Route
    let frame: Uint8Array
    try {
      ;({ route, frame } = await this.#send(contact, item, sealed))
    } catch (err) {
      if (err instanceof InviteClosedError) {
        // The invite we answered is gone (ADR 0733): say so once, stop sending there.
        for (const e of await markInviteClosed(this.#ctx, item.conversationId)) this.#ctx.emit(e)
        return 'done'
      }
      await this.#failed(item, err)
      return 'retry'
    }
    traceMark(`outbox.sent ${item.kind} ${route}`)
    this.#hooks.onSent?.(item, route, frame)
    // The contact's further devices (companions) get the same payload (ADR 0762).
    await copyToOtherDevices(this.#ctx, contact, item.payload, (to, f) =>
      this.#mailboxes.deposit(to, f, isFilePiece(item) ? 'file_piece' : 'chat'),
    )
    const events: ClientEvent[] = []
    await store.transaction(async (tx) => {
      await tx.deleteOutbox(item.seq)
      if (item.messageId !== null) {
        const m = await tx.getMessage(item.messageId)
        if (m !== undefined && laterDelivery(m.delivery, 'sent')) {
          m.delivery = 'sent'
          m.failure = null
          await tx.putMessage(m)
          events.push({ type: 'message.updated', message: chatMessage(m) })
        }
      }
    })
    traceMark(`outbox.done ${item.kind}`)
    for (const e of events) this.#ctx.emit(e)
    this.kick()
    return 'done'
  }

  /**
   * Encrypts and sends one payload now, once, without queuing it (call signalling: a stale signal
   * is worse than a lost one, docs/protocol/calls.md). Over an open direct connection and into
   * the mailbox at the same time (no dial: a cold WebRTC dial may take the whole 3 s budget, the
   * mailbox push takes tens of ms); the first to take it wins, the receiver's ratchet drops the
   * second copy as a replay, and a direct stream that stalls (seen: 3 s) then costs nothing.
   * Throws when neither took it. The caller checks trust first.
   */
  async sendNow(contact: ContactRecord, payload: Uint8Array): Promise<Route> {
    const outbound = decodeOutbound(contact.outboundMailbox)
    const sealed = await this.#seal(contact, payload)
    const routes: Promise<Route>[] = []
    const peer = peerIdOf(sealed.deviceId)
    if (sealed.confirmed && directConnection(this.#ctx.net, peer) !== undefined) {
      routes.push(this.#direct.send(peer, contact.relays, sealed.frame).then(() => 'direct'))
    }
    if (outbound !== null) {
      routes.push(this.#mailboxes.deposit(outbound, sealed.frame).then(() => 'mailbox'))
    }
    if (routes.length === 0) throw new Error('no route to this contact yet')
    // A call rings on every device of the contact (ADR 0765): each further device gets the signal
    // in its own session, into its own mailbox, alongside the lead device's copy. Awaited, so the
    // signals of one call reach each device in order (the offer before its ICE).
    const copies = copyToOtherDevices(this.#ctx, contact, payload, (to, f) =>
      this.#mailboxes.deposit(to, f),
    ).catch((err: unknown) => this.#ctx.log('signal copies to further devices', err))
    const route = await Promise.any(routes)
    await copies
    return route
  }

  /**
   * Sends one payload now over an open direct connection only (group messages, issue 20: members
   * not reached directly read the group mailbox instead). False when there is no such connection,
   * the session is not confirmed yet, or the send fails; nothing is queued.
   */
  async sendDirect(contact: ContactRecord, payload: Uint8Array): Promise<boolean> {
    try {
      // Look before sealing: no session to start and no message key spent for nothing.
      const record = await activeSession(this.#ctx.store, contact)
      if (record === undefined) return false
      if (directConnection(this.#ctx.net, peerIdOf(record.deviceId)) === undefined) return false
      const sealed = await this.#seal(contact, payload)
      const peer = peerIdOf(sealed.deviceId)
      if (!sealed.confirmed || directConnection(this.#ctx.net, peer) === undefined) return false
      await this.#direct.send(peer, contact.relays, sealed.frame)
      return true
    } catch (err) {
      this.#ctx.log('direct group send failed', err)
      return false
    }
  }

  /** A queued item: directly when the session is confirmed, else (or when that fails) by mailbox. */
  async #send(
    contact: ContactRecord,
    item: OutboxRecord,
    presealed: Sealed | null,
  ): Promise<{ route: Route; frame: Uint8Array }> {
    const outbound = decodeOutbound(contact.outboundMailbox)
    traceMark(`outbox.read ${item.kind}`)
    const sealed = presealed ?? (await this.#seal(contact, item.payload))
    traceMark(`outbox.sealed ${item.kind}`)
    const peer = peerIdOf(sealed.deviceId)
    // No open direct connection (none yet, or closed when idle, ADR 0910): nothing waits for a
    // dial. The mailbox takes this frame now; a message also starts a dial in the background,
    // so the ones after it go direct.
    const noDirect = directConnection(this.#ctx.net, peer) === undefined
    if (sealed.confirmed && noDirect && outbound !== null) {
      if (item.kind === 'message')
        dialDirectInBackground(this.#ctx.net, peer, contact.relays, T.directDialMs, (m, e) =>
          this.#ctx.log(m, e),
        )
    } else if (sealed.confirmed && !isFilePiece(item)) {
      // File pieces only exist because no direct connection could be made (files.md
      // "Fallback"): straight to the mailbox, without a direct dial per piece.
      try {
        await this.#direct.send(peer, contact.relays, sealed.frame)
        return { route: 'direct', frame: sealed.frame }
      } catch (err) {
        if (!(err instanceof DirectSendError)) this.#ctx.log('direct send', err)
      }
    }
    if (outbound === null) throw new Error('no mailbox address for this contact yet')
    try {
      await this.#mailboxes.deposit(
        outbound,
        sealed.frame,
        isFilePiece(item) ? 'file_piece' : 'chat',
      )
    } catch (err) {
      if (!sealed.confirmed && isClosedMailbox(err) && (await this.#unanswered(contact, outbound)))
        throw new InviteClosedError('the invite we answered was used, withdrawn or expired')
      throw err
    }
    return { route: 'mailbox', frame: sealed.frame }
  }

  /**
   * Encrypts `payload` with the contact's active session (starting one when there is none) and
   * stores the session before the frame leaves: a message key is never used twice, even after a
   * crash.
   */
  async #seal(contact: ContactRecord, payload: Uint8Array): Promise<Sealed> {
    const { store, platform } = this.#ctx
    return this.#ctx.locks.run(contact.contactId, async () => {
      // With a session (the usual case): read, encrypt and write it in one store transaction
      // (ADR 0423). Nothing but the store is awaited inside it.
      const sealed = await store.transaction(async (tx) => {
        const fresh = (await tx.getContact(contact.contactId)) ?? contact
        const record = await activeSession(tx, fresh)
        if (record === undefined) return undefined
        return encryptAndStore(tx, restoreSession(record, platform), record, payload, platform)
      })
      if (sealed !== undefined) return sealed
      const fresh = (await store.getContact(contact.contactId)) ?? contact
      const { session, record } = await this.#establish(fresh)
      return encryptAndStore(store, session, record, payload, platform)
    })
  }

  /**
   * Still nothing from the contact and still this address: a closed mailbox then means the invite
   * itself is gone. (Their reply may have arrived while this deposit was under way: it names a new
   * mailbox, and the next attempt goes there.)
   */
  async #unanswered(contact: ContactRecord, used: HelloBody): Promise<boolean> {
    const { store, platform } = this.#ctx
    const fresh = await store.getContact(contact.contactId)
    const now = fresh === undefined ? null : decodeOutbound(fresh.outboundMailbox)
    if (fresh === undefined || now === null || !bytesEqual(now.mailboxId, used.mailboxId))
      return false
    const record = await activeSession(store, fresh)
    return record !== undefined && restoreSession(record, platform).awaitingReply
  }

  /**
   * No session with the trusted identity (our state was restored without sessions): fetch the
   * contact's bundle from their mailbox, start a session whose first message is our Hello, and
   * deposit it before anything else. Nothing is stored unless the deposit succeeded.
   */
  async #establish(contact: ContactRecord): Promise<{ session: Session; record: SessionRecord }> {
    const { store, platform } = this.#ctx
    const outbound = decodeOutbound(contact.outboundMailbox)
    if (outbound === null) throw new Error('no mailbox address for this contact')
    const c = await this.#hooks.ensureInboundMailbox(contact)
    const hello = this.#hooks.helloFor(c, false)
    if (hello === null) throw new Error('no relay of ours to receive on')
    const fetched = await this.#mailboxes.fetchPrekeys(outbound)
    const now = platform.clock()
    const bundle = verifyPrekeyBundle(fetched.signedBundle, {
      now,
      identityKey: contact.identityPublicKey,
    })
    if (fetched.oneTimePrekey !== undefined) {
      try {
        // The relay hands each one-time prekey out once; one that does not verify is ignored
        // (PQXDH runs without DH4 then, as with an exhausted mailbox).
        const otk = verifySignedPrekey(
          decodeSigned(fetched.oneTimePrekey),
          bundle.cert,
          [PREKEY_KIND.oneTimeX25519],
          now,
          'one-time prekey',
        )
        bundle.oneTimePrekey = otk
        bundle.expiresAt = Math.min(bundle.expiresAt, otk.expiresAt)
      } catch (err) {
        this.#ctx.log('one-time prekey from the mailbox ignored', err)
      }
    }
    const start = initiateSession({
      local: this.#ctx.local.device,
      bundle,
      body: encodePayload({
        messageId: randomId(platform),
        sentAt: platform.clock(),
        body: { kind: 'hello', hello },
      }),
      platform,
    })
    await this.#mailboxes.deposit(outbound, start.frame)
    const deviceId = deviceIdOf(bundle.cert.peerId)
    const existing = await store.getSession(contact.contactId, deviceId)
    const record: SessionRecord = {
      contactId: contact.contactId,
      deviceId,
      state: encodeSessionState(start.session),
      version: (existing?.version ?? 0) + 1,
      updatedAt: platform.clock(),
    }
    await store.putSession(record, existing?.version ?? null)
    return { session: start.session, record }
  }

  async #failed(item: OutboxRecord, err: unknown): Promise<void> {
    const { store, platform } = this.#ctx
    const attempts = item.attempts + 1
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    this.#ctx.log(`outbox item ${item.seq} attempt ${attempts} failed`, err)
    const events: ClientEvent[] = []
    await store.transaction(async (tx) => {
      if (attempts >= T.maxAttempts && item.kind === 'message' && item.messageId !== null) {
        await tx.deleteOutbox(item.seq)
        const m = await tx.getMessage(item.messageId)
        if (m !== undefined) {
          m.delivery = 'failed'
          m.failure = { code: 'peer_unreachable', message: reason.slice(0, 1000) }
          await tx.putMessage(m)
          events.push({ type: 'message.updated', message: chatMessage(m) })
        }
        return
      }
      const rnd = platform.random(1)[0]! / 255
      await tx.updateOutbox({
        ...item,
        attempts,
        lastError: reason.slice(0, 1000),
        nextAttemptAt: platform.clock() + backoffMs(attempts, () => rnd),
      })
    })
    for (const e of events) this.#ctx.emit(e)
  }
}

/** Encrypts `payload` and stores the session's next state (compare-and-set on its version). */
export async function encryptAndStore(
  tx: StoreOperations,
  session: Session,
  record: SessionRecord,
  payload: Uint8Array,
  platform: CryptoPlatform,
): Promise<Sealed> {
  const { frame } = session.encrypt(payload)
  const next: SessionRecord = {
    ...record,
    state: encodeSessionState(session),
    version: record.version + 1,
    updatedAt: platform.clock(),
  }
  await tx.putSession(next, record.version)
  return { frame, confirmed: !session.awaitingReply, deviceId: record.deviceId }
}

function isFilePiece(item: OutboxRecord): boolean {
  if (item.kind !== 'control') return false
  try {
    return decodePayload(item.payload).body.kind === 'file_piece'
  } catch {
    return false
  }
}

export { toBase64Url }
