/**
 * The receiving half of the file engine: record an offer, accept or decline it, pull the file
 * over direct streams with retries and resume from the last verified chunk (stream-level work in
 * receiver.ts), and assemble a file that came as mailbox pieces instead.
 */
import type { Stream } from '@libp2p/interface'
import type { FileTransfer } from '../client/api.ts'
import { bytesEqual, toHex } from '../crypto/bytes.ts'
import { decodeFileShare, type FileShareFields } from '../crypto/codecs.ts'
import { COBBLESTONE_256 } from '../crypto/file-encryption.ts'
import type { FileTransferRecord } from '../store/records.ts'
import { decodeMailboxPiece, decodeOffer, type MailboxPieceFields } from './codec.ts'
import { FileTransferError, toClientError } from './errors.ts'
import { splitPieceChunks } from './fallback.ts'
import { FILE_TIMING } from './limits.ts'
import type { FileSink } from './ports.ts'
import { deadline } from '../wire/deadline.ts'
import { receiveFile, rebuildHash, type ReceiveResult } from './receiver.ts'
import { ChunkSealer, chunkCount, fileHeader, plainBytesBefore } from './sealer.ts'
import {
  asFileError,
  FINAL,
  type FileStreamStats,
  type Runtime,
  type TransferBook,
} from './transfer-book.ts'

const C = COBBLESTONE_256

/** Figures of one fetch attempt, filled in as it goes (read after it failed too). */
interface Attempt {
  stats?: FileStreamStats
  counters?: ReceiveResult
}

export class IncomingTransfers {
  #book: TransferBook

  constructor(book: TransferBook) {
    this.#book = book
  }

  /** An offer arrived in the E2EE channel. Idempotent (duplicates return the same record). */
  async receiveOffer(input: {
    conversationId: string
    messageId: string
    offer: Uint8Array
    /** The contact's device that offered it: the file is pulled from that one (issue 19). */
    from?: string
  }): Promise<FileTransfer> {
    const b = this.#book
    const o = decodeOffer(input.offer)
    const id = toHex(o.transferId)
    const existing = await b.load(id)
    if (existing !== undefined) {
      if (existing.conversationId !== input.conversationId || existing.direction !== 'in') {
        throw new FileTransferError('invalid_state', 'an offer reused another transfer id')
      }
      return b.view(existing)
    }
    const now = b.clock()
    const rec: FileTransferRecord = {
      transferId: id,
      conversationId: input.conversationId,
      messageId: input.messageId,
      direction: 'in',
      name: o.name,
      size: o.size,
      mimeType: o.mimeType,
      state: 'offered',
      route: null,
      bytesVerified: 0,
      chunkSize: C.chunkBytes,
      shareRecord: o.shareRecord,
      ciphertextSha256: o.share.ciphertextSha256,
      stagedFileId: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      ...(input.from !== undefined ? { peer: input.from } : {}),
    }
    await b.add(rec)
    return b.view(rec)
  }

  /** Accepts: tells the sender and starts pulling the file over a direct stream. */
  async accept(transferId: string): Promise<FileTransfer> {
    const b = this.#book
    const rec = await b.require(transferId)
    if (rec.direction !== 'in' || rec.state !== 'offered') {
      throw new FileTransferError('invalid_state', 'only an incoming offer can be accepted')
    }
    await b.set(rec, { state: 'transferring', route: 'direct', error: null })
    await b.control(rec, 'accept')
    this.startFetch(rec)
    return b.view(rec)
  }

  async decline(transferId: string): Promise<FileTransfer> {
    const b = this.#book
    const rec = await b.require(transferId)
    if (rec.direction !== 'in' || rec.state !== 'offered') {
      throw new FileTransferError('invalid_state', 'only an incoming offer can be declined')
    }
    await b.set(rec, { state: 'declined' })
    await b.control(rec, 'decline')
    return b.view(rec)
  }

  /** The messenger saw the contact's device come online: retry waiting incoming transfers now. */
  peerConnected(peer: string): void {
    const b = this.#book
    for (const rec of b.records.values()) {
      if (rec.direction !== 'in' || rec.state !== 'waiting' || b.peerFor(rec) !== peer) continue
      const rt = b.rt(rec.transferId)
      b.clearRetry(rt)
      rt.retryDelay = b.t.retryFirstMs
      this.startFetch(rec)
    }
  }

  /** Starts one fetch attempt unless one runs (or the engine stopped). */
  startFetch(rec: FileTransferRecord): void {
    const rt = this.#book.rt(rec.transferId)
    if (rt.fetch !== null || this.#book.stopped) return
    const ctl = new AbortController()
    rt.fetch = ctl
    const done = this.#fetchOnce(rec, rt, ctl).finally(() => {
      if (rt.fetch === ctl) rt.fetch = null
      if (rt.fetchDone === done) rt.fetchDone = null
    })
    rt.fetchDone = done
  }

  async #fetchOnce(rec: FileTransferRecord, rt: Runtime, ctl: AbortController): Promise<void> {
    const share = decodeFileShare(rec.shareRecord!)
    const attempt: Attempt = {}
    if (!(await this.#contactStillOk(rec, rt))) return
    try {
      await this.#pull(rec, rt, ctl, share, attempt)
      await this.#received(rec, rt, attempt)
    } catch (err) {
      const { stats, counters } = attempt
      if (stats) stats.outcome = ctl.signal.aborted ? 'aborted' : asFileError(err).code
      if (stats && counters) {
        stats.chunksSent = counters.chunksReceived
        stats.bytesSent = counters.bytesReceived
      }
      if (ctl.signal.aborted) return // pause/cancel/stop already set the state
      // This attempt is over: halt/fail below must not wait for it (they would wait for themselves).
      if (rt.fetch === ctl) {
        rt.fetch = null
        rt.fetchDone = null
      }
      await this.#attemptFailed(rec, rt, asFileError(err))
    }
  }

  /**
   * Before each attempt (first, retry, resume, restart): nothing is pulled from a contact blocked
   * or deleted since the accept (review RF-9). Blocked: paused here, with the reason, so the
   * user can resume it after unblocking; deleted: forgotten (its record is gone from the store).
   */
  async #contactStillOk(rec: FileTransferRecord, rt: Runtime): Promise<boolean> {
    const b = this.#book
    const contact = await b.contact(rec)
    if (contact === 'ok') return true
    if (contact === 'gone') {
      b.forget(rec)
      return false
    }
    rt.pausedBy = 'local'
    const error = { code: 'contact_blocked', message: 'the contact is blocked' } as const
    await b.set(rec, { state: 'paused', error })
    return false
  }

  /** One attempt: resume point, a direct stream, then the whole rest of the file over it. */
  async #pull(
    rec: FileTransferRecord,
    rt: Runtime,
    ctl: AbortController,
    share: FileShareFields,
    attempt: Attempt,
  ): Promise<void> {
    const b = this.#book
    const peer = b.peerFor(rec)
    if (peer === undefined)
      throw new FileTransferError('interrupted', 'the contact has no known device to fetch from')
    const sink = (rt.sink ??= await b.d.storage.openSink(rec))
    const recv = await this.#resumeState(rec, rt, sink)
    const stream = await this.#openStream(peer, ctl)
    if (rec.state !== 'transferring')
      await b.set(rec, { state: 'transferring', route: 'direct', error: null })
    rt.rate.reset()
    attempt.stats = {
      transferId: rec.transferId,
      side: 'receiver',
      resumeFrom: recv.verifiedChunks,
      chunksSent: 0,
      bytesSent: 0,
      outcome: 'running',
    }
    b.stats.push(attempt.stats)
    attempt.counters = { chunksReceived: 0, bytesReceived: 0 }
    await receiveFile(stream, {
      counters: attempt.counters,
      share,
      sink,
      state: recv,
      localPeer: b.d.localPeer,
      signal: ctl.signal,
      ...b.providers,
      idleMs: b.t.idleMs,
      onVerified: (n) => b.progress(rec, plainBytesBefore(rec.size, n)),
      onVerifying: () => b.set(rec, { state: 'verifying' }),
    })
  }

  /** Where this attempt starts: the state kept from the last attempt, or the sink's stored prefix. */
  async #resumeState(
    rec: FileTransferRecord,
    rt: Runtime,
    sink: FileSink,
  ): Promise<NonNullable<Runtime['recv']>> {
    if (rt.recv !== null) {
      // Every chunk was stored and a later step failed (the save to the downloads folder): ask for
      // the last chunk again, as after a restart (resumeChunk), since the sender refuses a resume
      // point past it. The hash is rebuilt from what is stored.
      const last = chunkCount(rec.size) - 1
      if (rt.recv.verifiedChunks > last)
        rt.recv = { verifiedChunks: last, hash: null, hashedChunks: 0 }
      return rt.recv
    }
    let pullFromStart = false
    if (rec.route === 'mailbox') {
      // Mailbox pieces arrive in any order: what is stored is no prefix, so pull from the start.
      await this.#book.set(rec, { route: 'direct', bytesVerified: 0 })
      rt.mailboxChunks = null
      rt.mailboxStored = 0
      pullFromStart = true
    }
    const verifiedChunks = pullFromStart ? 0 : await resumeChunk(rec, sink)
    rt.recv = { verifiedChunks, hash: null, hashedChunks: 0 }
    // The stored prefix may be ahead of the record (persisted once a second): show it.
    const resumeBytes = plainBytesBefore(rec.size, verifiedChunks)
    if (resumeBytes > rec.bytesVerified) await this.#book.set(rec, { bytesVerified: resumeBytes })
    return rt.recv
  }

  async #openStream(peer: string, ctl: AbortController): Promise<Stream> {
    // A deadline, not AbortSignal.timeout: the open's listeners go as soon as it ends (ADR 0911).
    const limit = deadline(FILE_TIMING.openStreamMs)
    try {
      return await this.#book.d.openStream(peer, AbortSignal.any([ctl.signal, limit.signal]))
    } catch (err) {
      ctl.signal.throwIfAborted()
      throw new FileTransferError('interrupted', 'no direct connection to the contact right now', {
        cause: err,
      })
    } finally {
      limit.clear()
    }
  }

  async #received(rec: FileTransferRecord, rt: Runtime, attempt: Attempt): Promise<void> {
    const b = this.#book
    const { stats, counters } = attempt
    if (stats && counters) {
      stats.outcome = 'complete'
      stats.chunksSent = counters.chunksReceived
      stats.bytesSent = counters.bytesReceived
    }
    rt.retryDelay = b.t.retryFirstMs
    await b.set(rec, { state: 'completed', bytesVerified: rec.size, error: null })
    rt.sink = null
    rt.recv = null
    // The stream's complete frame usually tells the sender; this covers a stream that broke
    // right after the last chunk.
    await b.control(rec, 'received')
    b.d.log?.(`file ${rec.transferId} received`)
  }

  /** An attempt that ended on its own: wait and retry, pause, or stop for good. */
  async #attemptFailed(rec: FileTransferRecord, rt: Runtime, e: FileTransferError): Promise<void> {
    const b = this.#book
    b.d.log?.(`file ${rec.transferId} attempt ended: ${e.code}`, e)
    if (e.code === 'interrupted') {
      if (/paused/.test(e.message)) {
        rt.pausedBy = 'remote'
        await b.set(rec, { state: 'paused' })
        return
      }
      await b.set(rec, { state: 'waiting', error: toClientError(e) })
      this.#scheduleRetry(rec, rt)
    } else if (e.code === 'storage_full') {
      await b.set(rec, { state: 'paused', error: toClientError(e) })
    } else if (e.code === 'cancelled' || e.code === 'declined') {
      await b.halt(rec, e.code, 0)
    } else {
      await b.fail(rec, e)
    }
  }

  #scheduleRetry(rec: FileTransferRecord, rt: Runtime): void {
    if (this.#book.stopped || rt.retryTimer !== null) return
    const delay = rt.retryDelay
    rt.retryDelay = Math.min(this.#book.t.retryMaxMs, delay * 2)
    rt.retryTimer = setTimeout(() => {
      rt.retryTimer = null
      if (rec.state === 'waiting') this.startFetch(rec)
    }, delay)
  }

  /** Mailbox route: one decrypted FileMailboxPiece. Completes the file with the last one. */
  async receiveMailboxPiece(
    conversationId: string,
    piece: Uint8Array,
  ): Promise<FileTransfer | undefined> {
    const b = this.#book
    const p = decodeMailboxPiece(piece)
    const rec = await b.load(toHex(p.transferId))
    if (rec === undefined || rec.conversationId !== conversationId || rec.direction !== 'in')
      return undefined
    if (FINAL.includes(rec.state) || rec.state === 'offered' || rec.shareRecord === null)
      return b.view(rec)
    const share = decodeFileShare(rec.shareRecord)
    const header = fileHeader(share)
    if (!bytesEqual(header, p.header))
      return b.fail(rec, new FileTransferError('integrity', 'mailbox piece of another file'))
    const rt = b.rt(rec.transferId)
    rt.fetch?.abort(0)
    b.clearRetry(rt)
    try {
      const sealer = await this.#storePiece(rec, rt, share, header, p)
      if (rt.mailboxStored === chunkCount(rec.size))
        await this.#finishMailbox(rec, rt, sealer, share)
    } catch (err) {
      return b.fail(rec, asFileError(err))
    }
    return b.view(rec)
  }

  /** Authenticates and stores the piece's chunks not stored yet; returns the file's sealer. */
  async #storePiece(
    rec: FileTransferRecord,
    rt: Runtime,
    share: FileShareFields,
    header: Uint8Array,
    p: MailboxPieceFields,
  ): Promise<ChunkSealer> {
    const b = this.#book
    rt.mailboxChunks ??= new Uint8Array(Math.ceil(chunkCount(rec.size) / 8))
    const sink = (rt.sink ??= await b.d.storage.openSink(rec))
    const sealer = await ChunkSealer.open(share.key, header, share.fileId, b.d.aes)
    for (const ch of splitPieceChunks(rec.size, p.firstChunk, p.data)) {
      const bit = 1 << (ch.index % 8)
      if ((rt.mailboxChunks[ch.index >> 3]! & bit) !== 0) continue
      let pt: Uint8Array
      try {
        pt = await sealer.open(ch.index, ch.ciphertext, ch.isFinal)
      } catch (err) {
        throw new FileTransferError(
          'integrity',
          `mailbox chunk ${ch.index} failed authentication`,
          {
            cause: err,
          },
        )
      }
      // Pieces arrive in any order: `place` keeps the chunks stored after this one, which a
      // sink's `write` may take for a resume and drop (the browser's ChunkSink does).
      const at = ch.index * C.chunkBytes
      await (sink.place === undefined ? sink.write(at, pt) : sink.place(at, pt))
      rt.mailboxChunks[ch.index >> 3]! |= bit
      rt.mailboxStored++
    }
    await b.set(rec, {
      state: 'transferring',
      route: 'mailbox',
      bytesVerified: Math.min(rec.size, rt.mailboxStored * C.chunkBytes),
    })
    return sealer
  }

  /** Every chunk is stored: check the whole file against the offer's SHA-256, then save it. */
  async #finishMailbox(
    rec: FileTransferRecord,
    rt: Runtime,
    sealer: ChunkSealer,
    share: FileShareFields,
  ): Promise<void> {
    const b = this.#book
    await b.set(rec, { state: 'verifying' })
    const total = chunkCount(rec.size)
    const hash = await rebuildHash(sealer, rt.sink!, rec.size, total, b.d.sha256 ?? undefined)
    if (!bytesEqual(hash.digest(), share.ciphertextSha256)) {
      throw new FileTransferError(
        'integrity',
        'the whole file does not match its SHA-256 from the offer',
      )
    }
    await rt.sink!.complete()
    await b.set(rec, { state: 'completed', bytesVerified: rec.size, error: null })
    await b.control(rec, 'received')
  }
}

/**
 * Where a receiver that lost its in-memory state (a restart) resumes: the sink's stored prefix
 * when it can tell (exact: everything it holds was verified), else the record's bytesVerified.
 */
async function resumeChunk(rec: FileTransferRecord, sink: FileSink): Promise<number> {
  const stored = sink.storedBytes === undefined ? rec.bytesVerified : await sink.storedBytes()
  // Everything stored (a restart during the final check): fetch the last chunk again, the
  // sender accepts resume points up to it.
  if (stored >= rec.size) return Math.max(0, chunkCount(rec.size) - 1)
  return Math.floor(stored / C.chunkBytes)
}
