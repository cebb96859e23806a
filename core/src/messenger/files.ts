/**
 * The messenger's side of file transfer (issue 7, docs/protocol/files.md, messaging.md "Files"):
 * owns the FileTransferEngine, carries its offers, controls and mailbox pieces as E2EE chat payloads
 * through the outbox, serves `/hestia/file/1.0.0`, picks the mailbox fallback when the receiver
 * cannot pull directly, and answers the `transfer.*` client requests.
 */
import type { Connection, Stream } from '@libp2p/interface'
import {
  fail,
  ok,
  type ClientFailure,
  type ClientSuccess,
  type FileTransfer,
  type StagedFile,
} from '../client/api.ts'
import { FileTransferEngine, type FileEngineDeps } from '../files/engine.ts'
import type { ContactState } from '../files/transfer-book.ts'
import { FileTransferError, isFileTransferError, toClientError } from '../files/errors.ts'
import { mailboxCap, planRoute } from '../files/fallback.ts'
import { FILE_LIMITS, FILE_PROTOCOL } from '../files/limits.ts'
import type { FileStorage, Sha256Factory } from '../files/ports.ts'
import type { ConversationRecord, MessageRecord } from '../store/records.ts'
import { STORE_LIMITS } from '../store/store.ts'
import { randomId, type MessengerContext } from './context.ts'
import { directConnection, isDirect, newDirectStream, peerIdOf, webrtcAddressVia } from './net.ts'
import { queueControl, queueMessage } from './outbox-rows.ts'
import type { FilePayloadBody } from './payload.ts'
import { fromBase64Url, toBase64Url } from './records.ts'
import { chatMessage, conversationSummary } from './views.ts'
import { decodeControl } from '../files/codec.ts'
import { contactHasSeveralDevices, ourDeviceName } from './files-devices.ts'

/** What a host passes to enable file transfer (`createMessengerService({ files })`). */
export interface MessengerFilesOptions {
  /** Staged sources by stagedFileId and disk-backed sinks (browser: Blob slices, OPFS/IndexedDB). */
  storage: FileStorage
  /**
   * This host's own ceiling for the mailbox fallback. The cap used is the smaller of it and the
   * one the contact's relay announces; with neither, FILE_LIMITS.mailboxFallbackDefaultBytes.
   */
  mailboxCapBytes?: number
  /**
   * After the contact accepted: how long the sender waits for the contact's direct stream (or a
   * direct connection) before it picks the mailbox fallback. Default FILES_TIMING.directWaitMs.
   */
  directWaitMs?: number
  sha256?: Sha256Factory
  tuning?: FileEngineDeps['tuning']
}

export const FILES_TIMING = {
  /** The receiver dials (WebRTC through the relay, with retries) within this on a loaded machine. */
  directWaitMs: 10_000,
  /** How often the sender looks whether the receiver's stream started while it waits. */
  directPollMs: 100,
} as const

export interface MessengerFilesHooks {
  /** deviceId → contactId (shared with the inbox, which adds the devices it learns). */
  devices: Map<string, string>
  kickOutbox(): void
  /** The mailbox fallback cap the contact's relay announces (undefined: none announced). */
  relayFileCap(conversationId: string): Promise<number | undefined>
  /** Relay-only mode (ADR 0752): no contact pulls directly, so the mailbox is taken at once. */
  relayOnly?: () => boolean
}

type Reply = ClientSuccess<{ transfer: FileTransfer }> | ClientFailure

export class MessengerFiles {
  readonly engine: FileTransferEngine
  readonly #ctx: MessengerContext
  readonly #hooks: MessengerFilesHooks
  readonly #opts: MessengerFilesOptions
  /** conversationId → contactId, filled at start and whenever a conversation is used. */
  readonly #contactOf = new Map<string, string>()
  readonly #routing = new Set<string>()
  /** offer(): the file message is being stored; its offer waits for it (a tiny file is quick). */
  readonly #messagesBeingStored = new Map<string, Promise<void>>()
  #running = false
  #onConnection = (e: CustomEvent<Connection>): void => {
    const c = e.detail
    if (isDirect(c)) this.engine.peerConnected(c.remotePeer.toString())
  }

  constructor(ctx: MessengerContext, options: MessengerFilesOptions, hooks: MessengerFilesHooks) {
    this.#ctx = ctx
    this.#hooks = hooks
    this.#opts = options
    this.engine = new FileTransferEngine({
      store: ctx.store,
      storage: options.storage,
      localPeer: ctx.net.peerId.toString(),
      openStream: (peer, signal) => this.#openStream(peer, signal),
      sendControl: (conversationId, control) =>
        this.#enqueue(conversationId, { kind: 'file_control', control }),
      sendOffer: (conversationId, messageId, offer) =>
        this.#enqueueOffer(conversationId, messageId, offer),
      peerOf: (conversationId) => this.#peerOf(conversationId),
      contactState: (conversationId) => this.#contactState(conversationId),
      clock: ctx.platform.clock,
      random: ctx.platform.random,
      ...(options.sha256 !== undefined ? { sha256: options.sha256 } : {}),
      ...(options.tuning !== undefined ? { tuning: options.tuning } : {}),
      onUpdate: (transfer) => ctx.emit({ type: 'transfer.updated', transfer }),
      log: (m, e) => ctx.log(`files: ${m}`, e),
    })
  }

  async start(): Promise<void> {
    const { net, store } = this.#ctx
    for (const conv of await store.listConversations(STORE_LIMITS.conversationsMax))
      this.#contactOf.set(conv.conversationId, conv.contactId)
    await net.handle(
      FILE_PROTOCOL,
      (stream, connection) =>
        void this.engine.handleStream(stream, connection.remotePeer.toString()),
      { maxInboundStreams: FILE_LIMITS.maxInboundStreams },
    )
    net.addEventListener('connection:open', this.#onConnection)
    this.#running = true
    await this.engine.restore()
    // A restart between the contact's accept and the route decision: decide again (a transfer
    // already on the mailbox route has its pieces in the durable outbox).
    for (const rec of await store.listTransfers({ active: true })) {
      if (rec.direction === 'out' && rec.state === 'waiting' && rec.route !== 'mailbox')
        this.#route(rec.transferId)
    }
  }

  async stop(): Promise<void> {
    this.#running = false
    this.#ctx.net.removeEventListener('connection:open', this.#onConnection)
    await this.#ctx.net.unhandle(FILE_PROTOCOL).catch(() => undefined)
    await this.engine.stop()
  }

  /**
   * A file body from the contact, after its frame committed (Inbox hook). `from`: the contact's
   * device that sent it (issue 19: an offer reaches all of our devices, the first accept wins).
   */
  async receive(
    conversationId: string,
    messageId: string,
    body: FilePayloadBody,
    from?: string,
  ): Promise<void> {
    await this.#learn(conversationId)
    const sender = from !== undefined ? { from } : {}
    if (body.kind === 'file_offer') {
      await this.engine.receiveOffer({ conversationId, messageId, offer: body.offer, ...sender })
    } else if (body.kind === 'file_piece') {
      await this.engine.receiveMailboxPiece(conversationId, body.piece)
    } else {
      const t = await this.engine.receiveControl(conversationId, body.control, {
        ...sender,
        deviceName: (id) => ourDeviceName(this.#ctx, id),
      })
      if (t === undefined || t.direction !== 'out') return
      if (decodeControl(body.control).action !== 'accept') return
      if (t.state === 'waiting') this.#route(t.transferId)
      if (await contactHasSeveralDevices(this.#ctx, conversationId))
        await this.engine.announceTaken(t.transferId)
    }
  }

  /** The contact was blocked (review RF-9): its transfers stop (engine.contactChanged). */
  async trustChanged(contactId: string): Promise<void> {
    for (const [conversationId, owner] of this.#contactOf)
      if (owner === contactId) await this.engine.contactChanged(conversationId)
  }

  /** The contact was deleted with its conversation: the engine forgets its transfers. */
  async conversationRemoved(conversationId: string): Promise<void> {
    await this.engine.contactChanged(conversationId)
    this.#contactOf.delete(conversationId)
  }

  // Client requests -------------------------------------------------------------------------------

  /**
   * `transfer.offer`: shows the staged file as a file message at once (transfer `preparing`); the
   * engine encrypts it once in the background and calls #enqueueOffer when the offer is ready.
   */
  async offer(conversationId: string, file: StagedFile): Promise<Reply> {
    const { store, platform } = this.#ctx
    const conv = await store.getConversation(conversationId)
    const contact = conv && (await store.getContact(conv.contactId))
    if (conv === undefined || contact === undefined)
      return fail('not_found', 'no such conversation')
    if (contact.blocked) return fail('contact_blocked', 'unblock the contact to send')
    if (contact.keyChange !== null) return fail('key_changed', 'verify or accept the new key first')
    const unsendable = await this.#tooLargeForRelayOnly(conversationId, file.size)
    if (unsendable !== null) return unsendable
    this.#contactOf.set(conversationId, conv.contactId)
    const id = randomId(platform)
    const messageId = toBase64Url(id)
    let stored = (): void => {}
    this.#messagesBeingStored.set(messageId, new Promise<void>((resolve) => (stored = resolve)))
    try {
      return await this.#offerAs(conv, messageId, file)
    } finally {
      stored()
      this.#messagesBeingStored.delete(messageId)
    }
  }

  async #offerAs(conv: ConversationRecord, messageId: string, file: StagedFile): Promise<Reply> {
    const { store, platform } = this.#ctx
    const conversationId = conv.conversationId
    const prepared = await this.#guard(async () => {
      try {
        return await this.engine.offer({ conversationId, messageId, file })
      } catch (err) {
        if (isFileTransferError(err)) throw err
        // The host's storage could not open or read the staged file (gone, revoked, never staged).
        throw new FileTransferError(
          'source_gone',
          'the staged file cannot be read; pick it again',
          {
            cause: err,
          },
        )
      }
    })
    if (!prepared.ok) return prepared
    const { transfer } = prepared.value
    const now = platform.clock()
    const message: MessageRecord = {
      messageId,
      conversationId,
      direction: 'out',
      senderDeviceId: null,
      body: {
        kind: 'file',
        transferId: transfer.transferId,
        name: transfer.name,
        size: transfer.size,
        mimeType: transfer.mimeType,
      },
      sentAt: now,
      receivedAt: now,
      delivery: 'queued',
      failure: null,
      readAt: null,
    }
    const summary = await store.transaction(async (tx) => {
      await tx.addMessage(message)
      const updated = { ...conv, lastMessageId: messageId, lastActivityAt: now }
      await tx.putConversation(updated)
      return conversationSummary(tx, updated)
    })
    this.#ctx.emit({ type: 'message.added', message: chatMessage(message) })
    if (summary !== undefined)
      this.#ctx.emit({ type: 'conversation.updated', conversation: summary })
    this.#hooks.kickOutbox()
    return ok({ transfer })
  }

  async act(
    action: 'accept' | 'decline' | 'pause' | 'resume' | 'cancel',
    transferId: string,
  ): Promise<Reply> {
    const t = await this.engine.get(transferId)
    if (t !== undefined) await this.#learn(t.conversationId)
    return this.#guard(async () => ({ transfer: await this.engine[action](transferId) }))
  }

  async list(conversationId: string | null): Promise<ClientSuccess<{ transfers: FileTransfer[] }>> {
    const records = await this.#ctx.store.listTransfers(
      conversationId === null ? {} : { conversationId },
    )
    const transfers: FileTransfer[] = []
    for (const r of records) {
      const t = await this.engine.get(r.transferId)
      if (t !== undefined) transfers.push(t)
    }
    transfers.sort((a, b) => b.updatedAt - a.updatedAt)
    return ok({ transfers: transfers.slice(0, 1_000) })
  }

  // Internals -------------------------------------------------------------------------------------

  /** Engine errors as client errors (FileTransferError.toClientError); others propagate. */
  async #guard<V>(work: () => Promise<V>): Promise<ClientSuccess<V> | ClientFailure> {
    try {
      return ok(await work())
    } catch (err) {
      if (isFileTransferError(err)) {
        const body = toClientError(err)
        return fail(body.code, body.message)
      }
      throw err
    }
  }

  #route(transferId: string): void {
    void this.#routeAccepted(transferId).catch((err) =>
      this.#ctx.log(`files: routing ${transferId} failed`, err),
    )
  }

  /**
   * Sender, after the contact accepted: the contact pulls over a direct connection. If no stream
   * started and no direct connection exists within directWaitMs, small files go through the
   * contact's mailbox; larger ones wait (too_large) until a direct connection appears.
   */
  async #routeAccepted(transferId: string): Promise<void> {
    if (this.#routing.has(transferId)) return
    this.#routing.add(transferId)
    try {
      const waitMs =
        this.#hooks.relayOnly?.() === true
          ? 0
          : (this.#opts.directWaitMs ?? FILES_TIMING.directWaitMs)
      const until = this.#ctx.platform.clock() + waitMs
      let t = await this.engine.get(transferId)
      while (this.#running && t !== undefined && t.state === 'waiting' && t.route !== 'mailbox') {
        const peer = this.#peerOf(t.conversationId)
        if (peer !== undefined && directConnection(this.#ctx.net, peerIdOf(peer)) !== undefined)
          return // connected directly: the contact's pull is on its way
        if (this.#ctx.platform.clock() >= until) break
        await new Promise((r) => setTimeout(r, FILES_TIMING.directPollMs))
        t = await this.engine.get(transferId)
      }
      if (!this.#running || t === undefined || t.state !== 'waiting') return
      const mailboxCapBytes = await this.#mailboxCap(t.conversationId)
      const plan = await this.engine.planRoute(transferId, {
        direct: false,
        relayOnly: this.#hooks.relayOnly?.() === true,
        ...(mailboxCapBytes !== undefined ? { mailboxCapBytes } : {}),
      })
      if (plan.route !== 'mailbox') return
      for await (const piece of this.engine.mailboxPieces(transferId)) {
        if (!this.#running) return
        await this.#enqueue(t.conversationId, { kind: 'file_piece', piece }, false)
      }
      this.#hooks.kickOutbox()
    } finally {
      this.#routing.delete(transferId)
    }
  }

  /**
   * In relay-only mode a file over the relay's cap can never be sent (no direct connection will
   * come): refused before anything is offered, with the sentence saying why (files/fallback.ts).
   */
  async #tooLargeForRelayOnly(conversationId: string, size: number): Promise<ClientFailure | null> {
    if (this.#hooks.relayOnly?.() !== true) return null
    const mailboxCapBytes = await this.#mailboxCap(conversationId)
    const plan = planRoute(size, {
      direct: false,
      relayOnly: true,
      ...(mailboxCapBytes !== undefined ? { mailboxCapBytes } : {}),
    })
    if (plan.route !== 'fail') return null
    const body = toClientError(plan.error)
    return fail(body.code, body.message)
  }

  /** The fallback cap for this conversation's contact (files/fallback.ts `mailboxCap`). */
  async #mailboxCap(conversationId: string): Promise<number | undefined> {
    const announced = await this.#hooks.relayFileCap(conversationId).catch((err: unknown) => {
      this.#ctx.log('files: the contact relay did not say its file cap; using the default', err)
      return undefined
    })
    return mailboxCap(this.#opts.mailboxCapBytes, announced)
  }

  /**
   * The engine prepared an offered file: queue its offer as the payload of the file message
   * (delivery states and receipts like a text). Waits until offer() stored that message.
   */
  async #enqueueOffer(conversationId: string, messageId: string, offer: Uint8Array): Promise<void> {
    await this.#messagesBeingStored.get(messageId)
    const { store, platform } = this.#ctx
    const now = platform.clock()
    const body = { kind: 'file_offer', offer } as const
    await queueMessage(
      store,
      conversationId,
      { messageId: fromBase64Url(messageId), sentAt: now, body },
      now,
    )
    this.#hooks.kickOutbox()
  }

  /** Queues a file body as an E2EE control payload to the conversation's contact. */
  async #enqueue(
    conversationId: string,
    body: Exclude<FilePayloadBody, { kind: 'file_offer' }>,
    kick = true,
  ): Promise<void> {
    const { store, platform } = this.#ctx
    const now = platform.clock()
    await queueControl(
      store,
      conversationId,
      { messageId: randomId(platform), sentAt: now, body },
      now,
    )
    if (kick) this.#hooks.kickOutbox()
  }

  async #learn(conversationId: string): Promise<void> {
    if (this.#contactOf.has(conversationId)) return
    const conv = await this.#ctx.store.getConversation(conversationId)
    if (conv !== undefined) this.#contactOf.set(conversationId, conv.contactId)
  }

  /** Whether the conversation's contact may still exchange files (FileEngineDeps.contactState). */
  async #contactState(conversationId: string): Promise<ContactState> {
    const { store } = this.#ctx
    const conv = await store.getConversation(conversationId)
    const contact = conv && (await store.getContact(conv.contactId))
    if (contact === undefined) return 'gone'
    return contact.blocked ? 'blocked' : 'ok'
  }

  /** The contact's device for a conversation (the one we heard from last). */
  #peerOf(conversationId: string): string | undefined {
    const contactId = this.#contactOf.get(conversationId)
    if (contactId === undefined) return undefined
    let found: string | undefined
    for (const [deviceId, owner] of this.#hooks.devices) if (owner === contactId) found = deviceId
    return found
  }

  /** A `/hestia/file/1.0.0` stream over a direct connection, dialled through the contact's relays. */
  async #openStream(peer: string, signal: AbortSignal): Promise<Stream> {
    const { net, store } = this.#ctx
    const peerId = peerIdOf(peer)
    let connection = directConnection(net, peerId)
    if (connection === undefined) {
      const contactId = this.#hooks.devices.get(peer)
      const contact = contactId === undefined ? undefined : await store.getContact(contactId)
      let lastErr: unknown
      for (const relay of contact?.relays ?? []) {
        try {
          connection = await net.dial(webrtcAddressVia(relay, peer), { signal })
          break
        } catch (err) {
          lastErr = err
          if (signal.aborted) break
        }
      }
      if (connection === undefined)
        throw new FileTransferError('interrupted', 'no direct connection to the contact', {
          cause: lastErr,
        })
    }
    return newDirectStream(net, connection, FILE_PROTOCOL, { signal })
  }
}
