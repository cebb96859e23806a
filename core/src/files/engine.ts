/**
 * The file-transfer engine (issue 7, docs/protocol/files.md): one object the messenger talks to.
 * It composes the sending half (outgoing.ts), the receiving half (incoming.ts) and the records
 * and runtimes both share (transfer-book.ts), and keeps here what concerns both directions: the
 * user's pause/resume/cancel, the contact's FileControl, restart and stop. The messenger owns the
 * E2EE channel: it hands this engine the decrypted offer/control/piece payloads and sends the
 * ones the engine produces.
 */
import type { Stream } from '@libp2p/interface'
import type { FileTransfer, StagedFile } from '../client/api.ts'
import { toHex } from '../crypto/bytes.ts'
import type { FileShareFields } from '../crypto/codecs.ts'
import type { FileTransferRecord } from '../store/records.ts'
import { decodeControl } from './codec.ts'
import { FileTransferError } from './errors.ts'
import type { RoutePlan } from './fallback.ts'
import { IncomingTransfers } from './incoming.ts'
import { FILE_STATUS } from './limits.ts'
import { OutgoingTransfers } from './outgoing.ts'
import type { ServeResult } from './sender.ts'
import { FINAL, TransferBook, type FileEngineDeps, type FileStreamStats } from './transfer-book.ts'

export type { FileEngineDeps, FileStreamStats, FileShareFields }

export class FileTransferEngine {
  /** Per-stream figures, for tests and benchmarks. */
  readonly stats: FileStreamStats[]
  #book: TransferBook
  #out: OutgoingTransfers
  #in: IncomingTransfers

  constructor(deps: FileEngineDeps) {
    this.#book = new TransferBook(deps)
    this.stats = this.#book.stats
    this.#out = new OutgoingTransfers(this.#book)
    this.#in = new IncomingTransfers(this.#book)
  }

  // Sender ----------------------------------------------------------------------------------------

  /** See OutgoingTransfers.offer: stored as `preparing` now, offered once encrypted. */
  offer(input: {
    conversationId: string
    messageId: string
    file: StagedFile
  }): Promise<{ transfer: FileTransfer }> {
    return this.#out.offer(input)
  }

  /**
   * Inbound `/hestia/file/1.0.0` stream (register it with `handle(FILE_PROTOCOL, …)` on direct
   * connections). Resolves when the stream ends; never throws.
   */
  handleStream(stream: Stream, remotePeer: string): Promise<ServeResult> {
    return this.#out.handleStream(stream, remotePeer)
  }

  /** See OutgoingTransfers.planRoute: direct, mailbox, or wait with a too_large error. */
  planRoute(
    transferId: string,
    opts: { direct: boolean; mailboxCapBytes?: number; relayOnly?: boolean },
  ): Promise<RoutePlan> {
    return this.#out.planRoute(transferId, opts)
  }

  /** Sender, mailbox route: the encoded pieces to seal into the contact's mailbox, in order. */
  mailboxPieces(transferId: string): AsyncGenerator<Uint8Array> {
    return this.#out.mailboxPieces(transferId)
  }

  // Receiver --------------------------------------------------------------------------------------

  /** Receiver: an offer arrived in the E2EE channel. Idempotent (duplicates return the same record). */
  receiveOffer(input: {
    conversationId: string
    messageId: string
    offer: Uint8Array
    from?: string
  }): Promise<FileTransfer> {
    return this.#in.receiveOffer(input)
  }

  /** Receiver accepts: tells the sender and starts pulling the file over a direct stream. */
  accept(transferId: string): Promise<FileTransfer> {
    return this.#in.accept(transferId)
  }

  decline(transferId: string): Promise<FileTransfer> {
    return this.#in.decline(transferId)
  }

  /**
   * Another device of ours declined this incoming offer (issue 19, ADR 0787): it ends here as
   * declined, naming that device; nothing goes to the sender (that device told it). Undefined for
   * a transfer this device does not hold or that already ended.
   */
  async declinedElsewhere(
    transferId: string,
    deviceName: string,
  ): Promise<FileTransfer | undefined> {
    const b = this.#book
    const rec = await b.load(transferId)
    if (rec === undefined || rec.direction !== 'in' || FINAL.includes(rec.state)) return undefined
    rec.declinedOn = deviceName
    await b.halt(rec, 'declined', FILE_STATUS.declined)
    return b.view(rec)
  }

  /** Receiver, mailbox route: one decrypted FileMailboxPiece. Completes the file with the last one. */
  receiveMailboxPiece(
    conversationId: string,
    piece: Uint8Array,
  ): Promise<FileTransfer | undefined> {
    return this.#in.receiveMailboxPiece(conversationId, piece)
  }

  /** The messenger saw the contact's device come online: retry waiting incoming transfers now. */
  peerConnected(peer: string): void {
    this.#in.peerConnected(peer)
  }

  // Both sides ------------------------------------------------------------------------------------

  async pause(transferId: string): Promise<FileTransfer> {
    const b = this.#book
    const rec = await b.require(transferId)
    if (!['transferring', 'waiting'].includes(rec.state)) {
      throw new FileTransferError(
        'invalid_state',
        'only a running or waiting transfer can be paused',
      )
    }
    b.rt(rec.transferId).pausedBy = 'local'
    await b.halt(rec, 'paused', FILE_STATUS.paused)
    await b.control(rec, 'pause')
    return b.view(rec)
  }

  async resume(transferId: string): Promise<FileTransfer> {
    const b = this.#book
    const rec = await b.require(transferId)
    if (rec.state !== 'paused')
      throw new FileTransferError('invalid_state', 'the transfer is not paused')
    await this.#resumeLocal(rec)
    await b.control(rec, 'resume')
    return b.view(rec)
  }

  async cancel(transferId: string): Promise<FileTransfer> {
    const b = this.#book
    const rec = await b.require(transferId)
    if (FINAL.includes(rec.state))
      throw new FileTransferError('invalid_state', 'the transfer already ended')
    // A file still being prepared was never offered: the contact has nothing to cancel.
    const offered = rec.state !== 'preparing'
    await b.halt(rec, 'cancelled', FILE_STATUS.cancelled)
    if (offered) await b.control(rec, 'cancel')
    return b.view(rec)
  }

  /**
   * A FileControl from the contact (decrypted by the messenger). Unknown transfers are ignored.
   * Several devices (issue 19, ADR 0766): `from` is the contact's device that sent it. The first
   * accept binds an outgoing transfer to its device; after that, and for an incoming transfer
   * (bound to the device that offered it), controls from the contact's other devices change
   * nothing. `taken` ends an incoming transfer another of our devices took (`deviceName` names it).
   */
  async receiveControl(
    conversationId: string,
    control: Uint8Array,
    opts: { from?: string; deviceName?: (deviceId: string) => Promise<string> } = {},
  ): Promise<FileTransfer | undefined> {
    const b = this.#book
    const c = decodeControl(control)
    const rec = await b.load(toHex(c.transferId))
    if (rec === undefined || rec.conversationId !== conversationId) return undefined
    if (FINAL.includes(rec.state)) return b.view(rec)
    if (rec.peer !== undefined && opts.from !== undefined && opts.from !== rec.peer)
      return b.view(rec)
    switch (c.action) {
      case 'accept':
        if (rec.direction === 'out' && rec.state === 'offered')
          await b.set(rec, {
            state: 'waiting',
            route: 'direct',
            ...(opts.from !== undefined ? { peer: opts.from } : {}),
          })
        break
      case 'taken':
        if (rec.direction === 'in' && c.takenBy !== b.d.localPeer) {
          rec.takenBy = (await opts.deviceName?.(c.takenBy ?? '')) ?? 'another device'
          await b.halt(rec, 'elsewhere', FILE_STATUS.cancelled)
        }
        break
      case 'decline':
        if (rec.direction === 'out' && rec.state === 'offered')
          await b.halt(rec, 'declined', FILE_STATUS.declined)
        break
      case 'cancel':
        await b.halt(rec, 'cancelled', FILE_STATUS.cancelled)
        break
      case 'pause':
        if (rec.state === 'transferring' || rec.state === 'waiting') {
          b.rt(rec.transferId).pausedBy = 'remote'
          await b.halt(rec, 'paused', FILE_STATUS.paused)
        }
        break
      case 'resume':
        if (rec.state === 'paused') await this.#resumeLocal(rec)
        break
      case 'received':
        if (rec.direction === 'out') await b.completeOutgoing(rec)
        break
    }
    return b.view(rec)
  }

  /**
   * Sender, the contact has several devices: tells all of them whose accept was taken (again for
   * each later accept), so the others stop and show where the file went.
   */
  async announceTaken(transferId: string): Promise<void> {
    const b = this.#book
    const rec = await b.require(transferId)
    if (rec.direction === 'out' && rec.peer !== undefined) await b.control(rec, 'taken', rec.peer)
  }

  /**
   * The messenger saw this conversation's contact blocked or deleted: its running and waiting
   * transfers stop now, streams included, and the contact is not told (review RF-9). Blocked:
   * paused with the reason (the user may resume after unblocking); deleted: forgotten.
   */
  async contactChanged(conversationId: string): Promise<void> {
    const b = this.#book
    for (const rec of [...b.records.values()]) {
      if (rec.conversationId !== conversationId) continue
      const contact = await b.contact(rec)
      if (contact === 'gone') b.forget(rec)
      if (contact !== 'blocked' || !['transferring', 'waiting'].includes(rec.state)) continue
      b.rt(rec.transferId).pausedBy = 'local'
      rec.error = { code: 'contact_blocked', message: 'the contact is blocked' }
      await b.halt(rec, 'paused', FILE_STATUS.paused)
    }
  }

  /** After a restart: resume incoming transfers that were running; outgoing ones wait for requests. */
  async restore(): Promise<void> {
    const b = this.#book
    for (const rec of await b.d.store.listTransfers({ active: true })) {
      b.records.set(rec.transferId, rec)
      if (
        rec.direction === 'in' &&
        (rec.state === 'transferring' || rec.state === 'waiting' || rec.state === 'verifying')
      ) {
        this.#in.startFetch(rec)
      } else if (rec.direction === 'out' && rec.state === 'transferring') {
        await b.set(rec, { state: 'waiting' })
      } else if (rec.direction === 'out' && rec.state === 'preparing') {
        // Interrupted before the offer went out: prepare again (a new key; nothing was sent).
        this.#out.prepare(rec)
      }
    }
  }

  async get(transferId: string): Promise<FileTransfer | undefined> {
    const rec = await this.#book.load(transferId)
    return rec && this.#book.view(rec)
  }

  async stop(): Promise<void> {
    const b = this.#book
    b.stopped = true
    for (const rt of b.runtimes.values()) {
      b.clearRetry(rt)
      rt.preparing?.abort()
      rt.fetch?.abort(0)
      for (const c of rt.serving) c.abort(FILE_STATUS.busy)
      await rt.source?.close?.().catch(() => undefined)
      await rt.fetchDone?.catch(() => undefined)
      await rt.sink?.close?.().catch(() => undefined)
    }
    await b.flush()
  }

  view(rec: FileTransferRecord): FileTransfer {
    return this.#book.view(rec)
  }

  async #resumeLocal(rec: FileTransferRecord): Promise<void> {
    const b = this.#book
    const rt = b.rt(rec.transferId)
    rt.pausedBy = null
    rt.retryDelay = b.t.retryFirstMs
    if (rec.direction === 'in') {
      await b.set(rec, { state: 'transferring', error: null })
      this.#in.startFetch(rec)
    } else {
      await b.set(rec, { state: 'waiting', error: null })
    }
  }
}
