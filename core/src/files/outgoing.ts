/**
 * The sending half of the file engine: create an outgoing transfer, encrypt it once in the
 * background to learn its ciphertext SHA-256 and offer it, serve `/hestia/file/1.0.0` requests
 * from the contact's device (stream-level work in sender.ts), and hand out mailbox pieces when
 * no direct stream is possible (fallback.ts).
 */
import type { Stream } from '@libp2p/interface'
import type { FileTransfer, StagedFile, TransferState } from '../client/api.ts'
import { fromHex, toHex } from '../crypto/bytes.ts'
import { decodeFileShare, encodeFileShare } from '../crypto/codecs.ts'
import { COBBLESTONE_256 } from '../crypto/file-encryption.ts'
import type { FileTransferRecord } from '../store/records.ts'
import { encodeOffer, type FileRequestFields } from './codec.ts'
import { FileTransferError, isFileTransferError, toClientError } from './errors.ts'
import { mailboxPieces, planRoute, type RoutePlan } from './fallback.ts'
import { FILE_LIMITS, FILE_STATUS } from './limits.ts'
import { fileHeader, plainBytesBefore, prepareOutgoingFile } from './sealer.ts'
import { serveFileStream, type ServeDecision, type ServeResult } from './sender.ts'
import { FINAL, type TransferBook } from './transfer-book.ts'

const BUSY: ServeDecision = { ok: false, status: FILE_STATUS.busy }

/** What one served stream was about, once its request was authorised. */
interface Served {
  rec: FileTransferRecord
  ctl: AbortController
}

export class OutgoingTransfers {
  #book: TransferBook
  /** Streams serving a file now (capped at FILE_LIMITS.maxInboundStreams). */
  #serving = 0
  /** Inbound streams open per remote peer (capped at FILE_LIMITS.maxInboundStreamsPerPeer). */
  readonly #perPeer = new Map<string, number>()

  constructor(book: TransferBook) {
    this.#book = book
  }

  /**
   * Stores the transfer in state `preparing` and returns at once; the file is then encrypted
   * once in the background (to learn its ciphertext SHA-256: seconds per GiB), and
   * `deps.sendOffer` queues the encoded FileOffer when it is ready (state `offered`). A staged
   * file that cannot be opened, or whose size changed, fails here.
   */
  async offer(input: {
    conversationId: string
    messageId: string
    file: StagedFile
  }): Promise<{ transfer: FileTransfer }> {
    const b = this.#book
    const { file } = input
    const id = b.random(FILE_LIMITS.transferIdBytes)
    const now = b.clock()
    const rec: FileTransferRecord = {
      transferId: toHex(id),
      conversationId: input.conversationId,
      messageId: input.messageId,
      direction: 'out',
      name: file.name,
      size: file.size,
      mimeType: file.mimeType,
      state: 'preparing',
      route: null,
      bytesVerified: 0,
      chunkSize: COBBLESTONE_256.chunkBytes,
      shareRecord: null,
      ciphertextSha256: null,
      stagedFileId: file.stagedFileId,
      error: null,
      createdAt: now,
      updatedAt: now,
    }
    const source = await b.d.storage.openSource(rec)
    if (source.size !== file.size) {
      await source.close?.().catch(() => undefined)
      throw new FileTransferError('source_gone', 'the staged file changed size; pick it again')
    }
    b.rt(rec.transferId).source = source
    await b.add(rec)
    this.prepare(rec)
    return { transfer: b.view(rec) }
  }

  /** Encrypts the file once, then offers it (background; the state says how it went). */
  prepare(rec: FileTransferRecord): void {
    const rt = this.#book.rt(rec.transferId)
    const ctl = new AbortController()
    rt.preparing = ctl
    void this.#prepareAndOffer(rec, ctl).finally(() => {
      if (rt.preparing === ctl) rt.preparing = null
    })
  }

  async #prepareAndOffer(rec: FileTransferRecord, ctl: AbortController): Promise<void> {
    const b = this.#book
    const rt = b.rt(rec.transferId)
    try {
      rt.source ??= await b.d.storage.openSource(rec)
      const prepared = await prepareOutgoingFile(rt.source, {
        transferId: fromHex(rec.transferId),
        random: b.random,
        ...b.providers,
        signal: ctl.signal,
      })
      if (ctl.signal.aborted || rec.state !== 'preparing') return
      const shareRecord = encodeFileShare(prepared.share)
      await b.set(rec, {
        state: 'offered',
        shareRecord,
        ciphertextSha256: prepared.share.ciphertextSha256,
      })
      const offer = encodeOffer({
        transferId: fromHex(rec.transferId),
        name: rec.name,
        size: rec.size,
        mimeType: rec.mimeType,
        shareRecord,
      })
      await b.d.sendOffer(rec.conversationId, rec.messageId, offer)
    } catch (err) {
      if (ctl.signal.aborted || b.stopped) return
      const reason = isFileTransferError(err)
        ? err
        : new FileTransferError('source_gone', 'the file could not be read; pick it again', {
            cause: err,
          })
      await b.fail(rec, reason)
    }
  }

  /**
   * Inbound `/hestia/file/1.0.0` stream (register it with `handle(FILE_PROTOCOL, …)` on direct
   * connections). Resolves when the stream ends; never throws.
   *
   * Anyone who learnt this device's PeerId (an invite carries it) can open streams here (review
   * RF-5), so one peer has at most FILE_LIMITS.maxInboundStreamsPerPeer open, a stream must bring
   * its request within FILE_TIMING.requestMs, and one of the FILE_LIMITS.maxInboundStreams serving
   * slots is taken only for a request from the device the transfer was offered to.
   */
  async handleStream(stream: Stream, remotePeer: string): Promise<ServeResult> {
    const b = this.#book
    const opts = {
      ...(b.d.aes ? { aes: b.d.aes } : {}),
      windowChunks: b.t.windowChunks,
      idleMs: b.t.idleMs,
      requestMs: b.t.requestMs,
    }
    const open = this.#perPeer.get(remotePeer) ?? 0
    if (open >= FILE_LIMITS.maxInboundStreamsPerPeer || b.stopped) {
      return serveFileStream(stream, remotePeer, () => Promise.resolve(BUSY), opts)
    }
    this.#perPeer.set(remotePeer, open + 1)
    const slot = { held: false }
    let served: Served | undefined
    try {
      const result = await serveFileStream(
        stream,
        remotePeer,
        (req, peer) =>
          this.#decide(req, peer, slot, (s) => {
            served = s
          }),
        opts,
      )
      if (served !== undefined) {
        this.#recordStats(served.rec, result)
        await this.#afterServe(served.rec, result)
      } else if (result.error) {
        b.d.log?.(`file stream from ${remotePeer} rejected`, result.error)
      }
      return result
    } finally {
      if (slot.held) this.#serving--
      const left = (this.#perPeer.get(remotePeer) ?? 1) - 1
      if (left > 0) this.#perPeer.set(remotePeer, left)
      else this.#perPeer.delete(remotePeer)
      if (served !== undefined) b.runtimes.get(served.rec.transferId)?.serving.delete(served.ctl)
    }
  }

  /**
   * Answers one request: serve the file, or the status to refuse with (nothing changes then).
   * A serving slot is taken (`slot.held`) only when the file is to be served to this device.
   */
  async #decide(
    req: FileRequestFields,
    peer: string,
    slot: { held: boolean },
    onServed: (served: Served) => void,
  ): Promise<ServeDecision> {
    const b = this.#book
    const rec = await b.load(toHex(req.transferId))
    if (rec === undefined || rec.direction !== 'out' || rec.shareRecord === null) {
      return { ok: false, status: FILE_STATUS.unknown }
    }
    // Only the device whose accept was taken (ADR 0766; the proof checks it holds the key).
    if (b.peerFor(rec) !== peer) return { ok: false, status: FILE_STATUS.unknown }
    // A contact blocked or deleted since the offer still holds the file key: refused like a
    // stranger (nothing is written, so a deleted contact's cached record is not stored again).
    const contact = await b.contact(rec)
    if (contact === 'gone') b.forget(rec)
    if (contact !== 'ok') return { ok: false, status: FILE_STATUS.unknown }
    const rt = b.rt(rec.transferId)
    // The receiver paused and now asks again: that is its resume (the control may be behind).
    const resumedByPeer = rec.state === 'paused' && rt.pausedBy === 'remote'
    const refuse = resumedByPeer ? 0 : refusalFor(rec.state)
    if (refuse !== 0) return { ok: false, status: refuse }
    try {
      rt.source ??= await b.d.storage.openSource(rec)
    } catch {
      return { ok: false, status: FILE_STATUS.source_gone }
    }
    if (this.#serving >= FILE_LIMITS.maxInboundStreams) return BUSY
    this.#serving++
    slot.held = true
    const share = decodeFileShare(rec.shareRecord)
    const ctl = new AbortController()
    return {
      ok: true,
      share,
      header: fileHeader(share),
      source: rt.source,
      signal: ctl.signal,
      // Only after the proof verified: a refused request changes nothing here.
      onStart: async () => {
        onServed({ rec, ctl })
        rt.serving.add(ctl)
        rt.rate.reset()
        await b.set(rec, { state: 'transferring', route: 'direct', error: null })
      },
      onProgress: (verified) => b.progress(rec, plainBytesBefore(rec.size, verified)),
    }
  }

  #recordStats(rec: FileTransferRecord, result: ServeResult): void {
    this.#book.stats.push({
      transferId: rec.transferId,
      side: 'sender',
      resumeFrom: result.resumeFrom ?? 0,
      chunksSent: result.chunksSent,
      maxInFlight: result.maxInFlight,
      bytesSent: result.bytesSent,
      outcome: result.outcome,
    })
  }

  /** The record's state after a served stream ended (a pause or a final state stays as it is). */
  async #afterServe(rec: FileTransferRecord, result: ServeResult): Promise<void> {
    const b = this.#book
    if (FINAL.includes(rec.state) || rec.state === 'paused') return
    const stopped = result.outcome === 'receiver_stopped'
    if (result.outcome === 'complete') {
      await b.completeOutgoing(rec)
    } else if (stopped && isFileTransferError(result.error, 'integrity')) {
      await b.set(rec, { state: 'failed', error: toClientError(result.error) })
    } else if (stopped && result.status === FILE_STATUS.storage_full) {
      // The receiver resumes once it has space; this side only shows why it waits.
      const why = new FileTransferError('storage_full', 'the recipient ran out of disk space')
      await b.set(rec, { state: 'waiting', error: toClientError(why) })
    } else if (result.outcome === 'interrupted' || stopped) {
      const why = new FileTransferError(
        'interrupted',
        'the connection dropped; it resumes by itself',
      )
      await b.set(rec, { state: 'waiting', error: toClientError(why) })
    }
  }

  /**
   * When no direct stream has started: how the file goes now (the messenger passes whether it
   * can reach the contact directly and the relay's cap). 'mailbox': call mailboxPieces next;
   * 'wait': the transfer shows `waiting` with a too_large error until the receiver pulls it
   * directly.
   */
  async planRoute(
    transferId: string,
    opts: { direct: boolean; mailboxCapBytes?: number; relayOnly?: boolean },
  ): Promise<RoutePlan> {
    const b = this.#book
    const rec = await b.require(transferId)
    const plan = planRoute(rec.size, opts)
    if (plan.route === 'wait' && rec.direction === 'out' && !FINAL.includes(rec.state)) {
      await b.set(rec, { state: 'waiting', error: toClientError(plan.error) })
    }
    if (plan.route === 'fail' && rec.direction === 'out' && !FINAL.includes(rec.state)) {
      await b.set(rec, { state: 'failed', error: toClientError(plan.error) })
    }
    return plan
  }

  /**
   * Mailbox route: the encoded pieces to seal into the contact's mailbox, in order. Only once per
   * transfer: a contact cycling pause / resume / accept must not make this side queue the whole
   * file into its outbox again and again (review RF-8); later calls yield nothing.
   */
  async *mailboxPieces(transferId: string): AsyncGenerator<Uint8Array> {
    const b = this.#book
    const rec = await b.require(transferId)
    if (rec.direction !== 'out' || rec.shareRecord === null) {
      throw new FileTransferError('invalid_state', 'only the sender has pieces to send')
    }
    if (rec.mailboxQueued === true) {
      b.d.log?.(`transfer ${transferId}: its mailbox pieces were already queued`)
      return
    }
    const rt = b.rt(transferId)
    rt.source ??= await b.d.storage.openSource(rec)
    await b.set(rec, { state: 'transferring', route: 'mailbox', error: null, mailboxQueued: true })
    yield* mailboxPieces(decodeFileShare(rec.shareRecord), rt.source, b.d.aes)
  }
}

/** The sender's answer to a request for a transfer in `state` (0: serve it). */
function refusalFor(state: TransferState): number {
  switch (state) {
    case 'paused':
      return FILE_STATUS.paused
    case 'cancelled':
      return FILE_STATUS.cancelled
    case 'declined':
      return FILE_STATUS.declined
    case 'completed':
    case 'failed':
      return FILE_STATUS.unknown
    default:
      return 0
  }
}
