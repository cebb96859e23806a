/**
 * The file-transfer engine (issue 7, docs/protocol/files.md): transfer records and their state
 * machine, the sender's stream handler, the receiver's fetch loop with retries, progress for both
 * sides, and the mailbox fallback's pieces. The messenger owns the E2EE channel: it hands this
 * engine the decrypted offer/control/piece payloads and sends the ones the engine produces.
 */
import type { Stream } from '@libp2p/interface'
import type { FileTransfer, StagedFile, TransferState } from '../client/api.ts'
import { bytesEqual, fromHex, toHex } from '../crypto/bytes.ts'
import { decodeFileShare, encodeFileShare, type FileShareFields } from '../crypto/codecs.ts'
import { COBBLESTONE_256, type AesGcmProvider } from '../crypto/file-encryption.ts'
import { systemClock, systemRandom, type Clock, type RandomSource } from '../crypto/platform.ts'
import type { FileTransferRecord } from '../store/records.ts'
import type { MessengerStore } from '../store/store.ts'
import {
  decodeControl,
  decodeMailboxPiece,
  decodeOffer,
  encodeControl,
  encodeOffer,
} from './codec.ts'
import { FileTransferError, isFileTransferError, toClientError } from './errors.ts'
import { mailboxPieces, planRoute, splitPieceChunks, type RoutePlan } from './fallback.ts'
import { FILE_LIMITS, FILE_STATUS, FILE_TIMING, type FileAction } from './limits.ts'
import type { FileSink, FileSource, FileStorage, OpenFileStream, Sha256Factory } from './ports.ts'
import { progressOf, RateMeter } from './progress.ts'
import { receiveFile, rebuildHash, type ReceiveState } from './receiver.ts'
import {
  ChunkSealer,
  chunkCount,
  fileHeader,
  plainBytesBefore,
  prepareOutgoingFile,
} from './sealer.ts'
import { serveFileStream, type ServeDecision, type ServeResult } from './sender.ts'

const C = COBBLESTONE_256
const FINAL: readonly TransferState[] = ['completed', 'declined', 'cancelled', 'failed']

export interface FileEngineDeps {
  store: Pick<MessengerStore, 'putTransfer' | 'getTransfer' | 'listTransfers'>
  storage: FileStorage
  /** Opens `/hestia/file/1.0.0` to a contact's device over a direct connection. */
  openStream: OpenFileStream
  /** This device's PeerId string (bound into request proofs). */
  localPeer: string
  /** Sends an encoded FileControl to the conversation's contact inside the E2EE channel. */
  sendControl(conversationId: string, control: Uint8Array): Promise<void>
  /**
   * An offered file finished its preparation (one encryption pass for the ciphertext SHA-256):
   * queue its encoded FileOffer in the E2EE channel as the payload of message `messageId`. Also
   * called after a restart that interrupted a preparation.
   */
  sendOffer(conversationId: string, messageId: string, offer: Uint8Array): Promise<void>
  /** The contact device's PeerId for a conversation (undefined: unknown, treated as unreachable). */
  peerOf(conversationId: string): string | undefined
  clock?: Clock
  random?: RandomSource
  aes?: AesGcmProvider
  sha256?: Sha256Factory
  /** Every state change, and progress at most every `progressEveryMs`. */
  onUpdate?(transfer: FileTransfer): void
  log?(message: string, extra?: unknown): void
  tuning?: Partial<{
    windowChunks: number
    idleMs: number
    retryFirstMs: number
    retryMaxMs: number
    progressEveryMs: number
    persistEveryMs: number
  }>
}

/** Per-stream figures, for tests and benchmarks (what a resume re-sent). */
export interface FileStreamStats {
  transferId: string
  side: 'sender' | 'receiver'
  resumeFrom: number
  chunksSent: number
  /** Sender streams: most chunks sent and not yet reported verified. */
  maxInFlight?: number
  bytesSent: number
  outcome: string
}

interface Runtime {
  rate: RateMeter
  /** The running preparation of an outgoing file (state 'preparing'). */
  preparing: AbortController | null
  fetch: AbortController | null
  /** Who paused (memory only; after a restart a pause counts as this side's own). */
  pausedBy: 'local' | 'remote' | null
  /** Settles when the running fetch attempt has stopped. */
  fetchDone: Promise<void> | null
  serving: Set<AbortController>
  recv: ReceiveState | null
  sink: FileSink | null
  source: FileSource | null
  retryTimer: ReturnType<typeof setTimeout> | null
  retryDelay: number
  lastPersist: number
  lastEmit: number
  /** Mailbox route (receiver): chunks stored, one bit each. */
  mailboxChunks: Uint8Array | null
  mailboxStored: number
}

export class FileTransferEngine {
  readonly stats: FileStreamStats[] = []
  #d: FileEngineDeps
  #clock: Clock
  #random: RandomSource
  #records = new Map<string, FileTransferRecord>()
  #writes = new Map<string, Promise<void>>()
  #runtime = new Map<string, Runtime>()
  #serving = 0
  #stopped = false
  #t: Required<NonNullable<FileEngineDeps['tuning']>>

  constructor(deps: FileEngineDeps) {
    this.#d = deps
    this.#clock = deps.clock ?? systemClock
    this.#random = deps.random ?? systemRandom
    this.#t = {
      windowChunks: FILE_LIMITS.windowChunks,
      idleMs: FILE_TIMING.frameIdleMs,
      retryFirstMs: FILE_TIMING.retryFirstMs,
      retryMaxMs: FILE_TIMING.retryMaxMs,
      progressEveryMs: 250,
      persistEveryMs: FILE_TIMING.persistEveryMs,
      ...deps.tuning,
    }
  }

  // Sender ----------------------------------------------------------------------------------------

  /**
   * Sender: stores the transfer in state `preparing` and returns at once; the file is then
   * encrypted once in the background (to learn its ciphertext SHA-256: seconds per GiB), and
   * `deps.sendOffer` queues the encoded FileOffer when it is ready (state `offered`). A staged
   * file that cannot be opened, or whose size changed, fails here.
   */
  async offer(input: {
    conversationId: string
    messageId: string
    file: StagedFile
  }): Promise<{ transfer: FileTransfer }> {
    const { file } = input
    const id = this.#random(FILE_LIMITS.transferIdBytes)
    const now = this.#clock()
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
      chunkSize: C.chunkBytes,
      shareRecord: null,
      ciphertextSha256: null,
      stagedFileId: file.stagedFileId,
      error: null,
      createdAt: now,
      updatedAt: now,
    }
    const source = await this.#d.storage.openSource(rec)
    if (source.size !== file.size) {
      await source.close?.().catch(() => undefined)
      throw new FileTransferError('source_gone', 'the staged file changed size; pick it again')
    }
    this.#rt(rec.transferId).source = source
    this.#records.set(rec.transferId, rec)
    await this.#save(rec)
    this.#emit(rec, true)
    this.#prepare(rec)
    return { transfer: this.view(rec) }
  }

  /** Encrypts the file once, then offers it (background; the state says how it went). */
  #prepare(rec: FileTransferRecord): void {
    const rt = this.#rt(rec.transferId)
    const ctl = new AbortController()
    rt.preparing = ctl
    void (async () => {
      try {
        rt.source ??= await this.#d.storage.openSource(rec)
        const prepared = await prepareOutgoingFile(rt.source, {
          transferId: fromHex(rec.transferId),
          random: this.#random,
          ...(this.#d.aes ? { aes: this.#d.aes } : {}),
          ...(this.#d.sha256 ? { sha256: this.#d.sha256 } : {}),
          signal: ctl.signal,
        })
        if (ctl.signal.aborted || rec.state !== 'preparing') return
        const shareRecord = encodeFileShare(prepared.share)
        await this.#set(rec, {
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
        await this.#d.sendOffer(rec.conversationId, rec.messageId, offer)
      } catch (err) {
        if (ctl.signal.aborted || this.#stopped) return
        const reason = isFileTransferError(err)
          ? err
          : new FileTransferError('source_gone', 'the file could not be read; pick it again', {
              cause: err,
            })
        await this.#fail(rec, reason)
      } finally {
        if (rt.preparing === ctl) rt.preparing = null
      }
    })()
  }

  /**
   * Inbound `/hestia/file/1.0.0` stream (register it with `handle(FILE_PROTOCOL, …)` on direct
   * connections). Resolves when the stream ends; never throws.
   */
  async handleStream(stream: Stream, remotePeer: string): Promise<ServeResult> {
    if (this.#serving >= FILE_LIMITS.maxInboundStreams || this.#stopped) {
      return serveFileStream(stream, remotePeer, () =>
        Promise.resolve({ ok: false, status: FILE_STATUS.busy }),
      )
    }
    this.#serving++
    let served: FileTransferRecord | undefined
    let ctl: AbortController | undefined
    try {
      const result = await serveFileStream(
        stream,
        remotePeer,
        async (req, peer): Promise<ServeDecision> => {
          const rec = await this.#load(toHex(req.transferId))
          if (rec === undefined || rec.direction !== 'out' || rec.shareRecord === null) {
            return { ok: false, status: FILE_STATUS.unknown }
          }
          // Only the device the file was offered to (the proof checks it holds the key).
          if (this.#d.peerOf(rec.conversationId) !== peer)
            return { ok: false, status: FILE_STATUS.unknown }
          const rt = this.#rt(rec.transferId)
          // The receiver paused and now asks again: that is its resume (the control may be behind).
          const resumedByPeer = rec.state === 'paused' && rt.pausedBy === 'remote'
          const refuse = resumedByPeer ? 0 : refusalFor(rec.state)
          if (refuse !== 0) return { ok: false, status: refuse }
          try {
            rt.source ??= await this.#d.storage.openSource(rec)
          } catch {
            return { ok: false, status: FILE_STATUS.source_gone }
          }
          const share = decodeFileShare(rec.shareRecord)
          const c = new AbortController()
          return {
            ok: true,
            share,
            header: fileHeader(share),
            source: rt.source,
            signal: c.signal,
            // Only after the proof verified: a refused request changes nothing here.
            onStart: async () => {
              ctl = c
              rt.serving.add(c)
              served = rec
              rt.rate.reset()
              await this.#set(rec, { state: 'transferring', route: 'direct', error: null })
            },
            onProgress: (verified) => this.#progress(rec, plainBytesBefore(rec.size, verified)),
          }
        },
        {
          ...(this.#d.aes ? { aes: this.#d.aes } : {}),
          windowChunks: this.#t.windowChunks,
          idleMs: this.#t.idleMs,
        },
      )
      if (served !== undefined) {
        this.stats.push({
          transferId: served.transferId,
          side: 'sender',
          resumeFrom: result.resumeFrom ?? 0,
          chunksSent: result.chunksSent,
          maxInFlight: result.maxInFlight,
          bytesSent: result.bytesSent,
          outcome: result.outcome,
        })
        await this.#afterServe(served, result)
      } else if (result.error) {
        this.#d.log?.(`file stream from ${remotePeer} rejected`, result.error)
      }
      return result
    } finally {
      this.#serving--
      if (served !== undefined && ctl !== undefined)
        this.#runtime.get(served.transferId)?.serving.delete(ctl)
    }
  }

  async #afterServe(rec: FileTransferRecord, result: ServeResult): Promise<void> {
    if (FINAL.includes(rec.state) || rec.state === 'paused') return
    if (result.outcome === 'complete') {
      await this.#completeOutgoing(rec)
    } else if (
      result.outcome === 'receiver_stopped' &&
      isFileTransferError(result.error, 'integrity')
    ) {
      await this.#set(rec, { state: 'failed', error: toClientError(result.error) })
    } else if (
      result.outcome === 'receiver_stopped' &&
      result.status === FILE_STATUS.storage_full
    ) {
      // The receiver resumes once it has space; this side only shows why it waits.
      await this.#set(rec, {
        state: 'waiting',
        error: toClientError(
          new FileTransferError('storage_full', 'the recipient ran out of disk space'),
        ),
      })
    } else if (result.outcome === 'interrupted' || result.outcome === 'receiver_stopped') {
      await this.#set(rec, {
        state: 'waiting',
        error: toClientError(
          new FileTransferError('interrupted', 'the connection dropped; it resumes by itself'),
        ),
      })
    }
  }

  /**
   * Sender, when no direct stream has started: how the file goes now (the messenger passes whether it
   * can reach the contact directly and the relay's cap). 'mailbox': call mailboxPieces next; 'wait':
   * the transfer shows `waiting` with a too_large error until the receiver pulls it directly.
   */
  async planRoute(
    transferId: string,
    opts: { direct: boolean; mailboxCapBytes?: number },
  ): Promise<RoutePlan> {
    const rec = await this.#require(transferId)
    const plan = planRoute(rec.size, opts)
    if (plan.route === 'wait' && rec.direction === 'out' && !FINAL.includes(rec.state)) {
      await this.#set(rec, { state: 'waiting', error: toClientError(plan.error) })
    }
    return plan
  }

  /** Sender, mailbox route: the encoded pieces to seal into the contact's mailbox, in order. */
  async *mailboxPieces(transferId: string): AsyncGenerator<Uint8Array> {
    const rec = await this.#require(transferId)
    if (rec.direction !== 'out' || rec.shareRecord === null) {
      throw new FileTransferError('invalid_state', 'only the sender has pieces to send')
    }
    const rt = this.#rt(transferId)
    rt.source ??= await this.#d.storage.openSource(rec)
    await this.#set(rec, { state: 'transferring', route: 'mailbox', error: null })
    yield* mailboxPieces(decodeFileShare(rec.shareRecord), rt.source, this.#d.aes)
  }

  // Receiver --------------------------------------------------------------------------------------

  /** Receiver: an offer arrived in the E2EE channel. Idempotent (duplicates return the same record). */
  async receiveOffer(input: {
    conversationId: string
    messageId: string
    offer: Uint8Array
  }): Promise<FileTransfer> {
    const o = decodeOffer(input.offer)
    const id = toHex(o.transferId)
    const existing = await this.#load(id)
    if (existing !== undefined) {
      if (existing.conversationId !== input.conversationId || existing.direction !== 'in') {
        throw new FileTransferError('invalid_state', 'an offer reused another transfer id')
      }
      return this.view(existing)
    }
    const now = this.#clock()
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
    }
    this.#records.set(id, rec)
    await this.#save(rec)
    this.#emit(rec, true)
    return this.view(rec)
  }

  /** Receiver accepts: tells the sender and starts pulling the file over a direct stream. */
  async accept(transferId: string): Promise<FileTransfer> {
    const rec = await this.#require(transferId)
    if (rec.direction !== 'in' || rec.state !== 'offered') {
      throw new FileTransferError('invalid_state', 'only an incoming offer can be accepted')
    }
    await this.#set(rec, { state: 'transferring', route: 'direct', error: null })
    await this.#control(rec, 'accept')
    this.#startFetch(rec)
    return this.view(rec)
  }

  async decline(transferId: string): Promise<FileTransfer> {
    const rec = await this.#require(transferId)
    if (rec.direction !== 'in' || rec.state !== 'offered') {
      throw new FileTransferError('invalid_state', 'only an incoming offer can be declined')
    }
    await this.#set(rec, { state: 'declined' })
    await this.#control(rec, 'decline')
    return this.view(rec)
  }

  // Both sides ------------------------------------------------------------------------------------

  async pause(transferId: string): Promise<FileTransfer> {
    const rec = await this.#require(transferId)
    if (!['transferring', 'waiting'].includes(rec.state)) {
      throw new FileTransferError(
        'invalid_state',
        'only a running or waiting transfer can be paused',
      )
    }
    this.#rt(rec.transferId).pausedBy = 'local'
    await this.#halt(rec, 'paused', FILE_STATUS.paused)
    await this.#control(rec, 'pause')
    return this.view(rec)
  }

  async resume(transferId: string): Promise<FileTransfer> {
    const rec = await this.#require(transferId)
    if (rec.state !== 'paused')
      throw new FileTransferError('invalid_state', 'the transfer is not paused')
    await this.#resumeLocal(rec)
    await this.#control(rec, 'resume')
    return this.view(rec)
  }

  async cancel(transferId: string): Promise<FileTransfer> {
    const rec = await this.#require(transferId)
    if (FINAL.includes(rec.state))
      throw new FileTransferError('invalid_state', 'the transfer already ended')
    // A file still being prepared was never offered: the contact has nothing to cancel.
    const offered = rec.state !== 'preparing'
    await this.#halt(rec, 'cancelled', FILE_STATUS.cancelled)
    if (offered) await this.#control(rec, 'cancel')
    return this.view(rec)
  }

  /** A FileControl from the contact (decrypted by the messenger). Unknown transfers are ignored. */
  async receiveControl(
    conversationId: string,
    control: Uint8Array,
  ): Promise<FileTransfer | undefined> {
    const c = decodeControl(control)
    const rec = await this.#load(toHex(c.transferId))
    if (rec === undefined || rec.conversationId !== conversationId) return undefined
    if (FINAL.includes(rec.state)) return this.view(rec)
    switch (c.action) {
      case 'accept':
        if (rec.direction === 'out' && rec.state === 'offered')
          await this.#set(rec, { state: 'waiting', route: 'direct' })
        break
      case 'decline':
        if (rec.direction === 'out' && rec.state === 'offered')
          await this.#halt(rec, 'declined', FILE_STATUS.declined)
        break
      case 'cancel':
        await this.#halt(rec, 'cancelled', FILE_STATUS.cancelled)
        break
      case 'pause':
        if (rec.state === 'transferring' || rec.state === 'waiting') {
          this.#rt(rec.transferId).pausedBy = 'remote'
          await this.#halt(rec, 'paused', FILE_STATUS.paused)
        }
        break
      case 'resume':
        if (rec.state === 'paused') await this.#resumeLocal(rec)
        break
      case 'received':
        if (rec.direction === 'out') await this.#completeOutgoing(rec)
        break
    }
    return this.view(rec)
  }

  /** Receiver, mailbox route: one decrypted FileMailboxPiece. Completes the file with the last one. */
  async receiveMailboxPiece(
    conversationId: string,
    piece: Uint8Array,
  ): Promise<FileTransfer | undefined> {
    const p = decodeMailboxPiece(piece)
    const rec = await this.#load(toHex(p.transferId))
    if (rec === undefined || rec.conversationId !== conversationId || rec.direction !== 'in')
      return undefined
    if (FINAL.includes(rec.state) || rec.state === 'offered' || rec.shareRecord === null)
      return this.view(rec)
    const share = decodeFileShare(rec.shareRecord)
    const header = fileHeader(share)
    if (!bytesEqual(header, p.header))
      return this.#fail(rec, new FileTransferError('integrity', 'mailbox piece of another file'))
    const rt = this.#rt(rec.transferId)
    rt.fetch?.abort(0)
    this.#clearRetry(rt)
    const total = chunkCount(rec.size)
    rt.mailboxChunks ??= new Uint8Array(Math.ceil(total / 8))
    try {
      rt.sink ??= await this.#d.storage.openSink(rec)
      const sealer = await ChunkSealer.open(share.key, header, share.fileId, this.#d.aes)
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
            { cause: err },
          )
        }
        await rt.sink.write(ch.index * C.chunkBytes, pt)
        rt.mailboxChunks[ch.index >> 3]! |= bit
        rt.mailboxStored++
      }
      await this.#set(rec, {
        state: 'transferring',
        route: 'mailbox',
        bytesVerified: Math.min(rec.size, rt.mailboxStored * C.chunkBytes),
      })
      if (rt.mailboxStored === total) {
        await this.#set(rec, { state: 'verifying' })
        const hash = await rebuildHash(
          sealer,
          rt.sink,
          rec.size,
          total,
          this.#d.sha256 ?? undefined,
        )
        if (!bytesEqual(hash.digest(), share.ciphertextSha256)) {
          throw new FileTransferError(
            'integrity',
            'the whole file does not match its SHA-256 from the offer',
          )
        }
        await rt.sink.complete()
        await this.#set(rec, { state: 'completed', bytesVerified: rec.size, error: null })
        await this.#control(rec, 'received')
      }
    } catch (err) {
      return this.#fail(rec, asFileError(err))
    }
    return this.view(rec)
  }

  /** The messenger saw the contact's device come online: retry waiting incoming transfers now. */
  peerConnected(peer: string): void {
    for (const rec of this.#records.values()) {
      if (
        rec.direction !== 'in' ||
        rec.state !== 'waiting' ||
        this.#d.peerOf(rec.conversationId) !== peer
      )
        continue
      const rt = this.#rt(rec.transferId)
      this.#clearRetry(rt)
      rt.retryDelay = this.#t.retryFirstMs
      this.#startFetch(rec)
    }
  }

  /** After a restart: resume incoming transfers that were running; outgoing ones wait for requests. */
  async restore(): Promise<void> {
    for (const rec of await this.#d.store.listTransfers({ active: true })) {
      this.#records.set(rec.transferId, rec)
      if (
        rec.direction === 'in' &&
        (rec.state === 'transferring' || rec.state === 'waiting' || rec.state === 'verifying')
      ) {
        this.#startFetch(rec)
      } else if (rec.direction === 'out' && rec.state === 'transferring') {
        await this.#set(rec, { state: 'waiting' })
      } else if (rec.direction === 'out' && rec.state === 'preparing') {
        // Interrupted before the offer went out: prepare again (a new key; nothing was sent).
        this.#prepare(rec)
      }
    }
  }

  async get(transferId: string): Promise<FileTransfer | undefined> {
    const rec = await this.#load(transferId)
    return rec && this.view(rec)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    for (const rt of this.#runtime.values()) {
      this.#clearRetry(rt)
      rt.preparing?.abort()
      rt.fetch?.abort(0)
      for (const c of rt.serving) c.abort(FILE_STATUS.busy)
      await rt.source?.close?.().catch(() => undefined)
      await rt.fetchDone?.catch(() => undefined)
      await rt.sink?.close?.().catch(() => undefined)
    }
    await Promise.all([...this.#writes.values()])
  }

  view(rec: FileTransferRecord): FileTransfer {
    const rt = this.#runtime.get(rec.transferId)
    return {
      transferId: rec.transferId,
      conversationId: rec.conversationId,
      messageId: rec.messageId,
      direction: rec.direction,
      name: rec.name,
      size: rec.size,
      mimeType: rec.mimeType,
      state: rec.state,
      route: rec.route,
      progress: progressOf(
        rec.bytesVerified,
        rec.size,
        rt?.rate.rate() ?? 0,
        rec.state === 'transferring',
      ),
      error: rec.error,
      updatedAt: rec.updatedAt,
    }
  }

  // Internals -------------------------------------------------------------------------------------

  #startFetch(rec: FileTransferRecord): void {
    const rt = this.#rt(rec.transferId)
    if (rt.fetch !== null || this.#stopped) return
    const ctl = new AbortController()
    rt.fetch = ctl
    const done = this.#fetchOnce(rec, rt, ctl).finally(() => {
      if (rt.fetch === ctl) rt.fetch = null
      if (rt.fetchDone === done) rt.fetchDone = null
    })
    rt.fetchDone = done
  }

  async #fetchOnce(rec: FileTransferRecord, rt: Runtime, ctl: AbortController): Promise<void> {
    const peer = this.#d.peerOf(rec.conversationId)
    const share = decodeFileShare(rec.shareRecord!)
    let stats: FileStreamStats | undefined
    let countersOf: { chunksReceived: number; bytesReceived: number } | undefined
    try {
      if (peer === undefined)
        throw new FileTransferError('interrupted', 'the contact has no known device to fetch from')
      rt.sink ??= await this.#d.storage.openSink(rec)
      let pullFromStart = false
      if (rt.recv === null && rec.route === 'mailbox') {
        // Mailbox pieces arrive in any order: what is stored is no prefix, so pull from the start.
        await this.#set(rec, { route: 'direct', bytesVerified: 0 })
        rt.mailboxChunks = null
        rt.mailboxStored = 0
        pullFromStart = true
      }
      if (rt.recv === null) {
        const verifiedChunks = pullFromStart ? 0 : await resumeChunk(rec, rt.sink)
        rt.recv = { verifiedChunks, hash: null, hashedChunks: 0 }
        // The stored prefix may be ahead of the record (persisted once a second): show it.
        const resumeBytes = plainBytesBefore(rec.size, verifiedChunks)
        if (resumeBytes > rec.bytesVerified) await this.#set(rec, { bytesVerified: resumeBytes })
      }
      let stream: Stream
      try {
        stream = await this.#d.openStream(
          peer,
          AbortSignal.any([ctl.signal, AbortSignal.timeout(FILE_TIMING.openStreamMs)]),
        )
      } catch (err) {
        ctl.signal.throwIfAborted()
        throw new FileTransferError(
          'interrupted',
          'no direct connection to the contact right now',
          { cause: err },
        )
      }
      if (rec.state !== 'transferring')
        await this.#set(rec, { state: 'transferring', route: 'direct', error: null })
      rt.rate.reset()
      stats = {
        transferId: rec.transferId,
        side: 'receiver',
        resumeFrom: rt.recv.verifiedChunks,
        chunksSent: 0,
        bytesSent: 0,
        outcome: 'running',
      }
      this.stats.push(stats)
      const counters = { chunksReceived: 0, bytesReceived: 0 }
      countersOf = counters
      await receiveFile(stream, {
        counters,
        share,
        sink: rt.sink,
        state: rt.recv,
        localPeer: this.#d.localPeer,
        signal: ctl.signal,
        ...(this.#d.aes ? { aes: this.#d.aes } : {}),
        ...(this.#d.sha256 ? { sha256: this.#d.sha256 } : {}),
        idleMs: this.#t.idleMs,
        onVerified: (n) => this.#progress(rec, plainBytesBefore(rec.size, n)),
        onVerifying: () => this.#set(rec, { state: 'verifying' }),
      })
      stats.outcome = 'complete'
      stats.chunksSent = counters.chunksReceived
      stats.bytesSent = counters.bytesReceived
      rt.retryDelay = this.#t.retryFirstMs
      await this.#set(rec, { state: 'completed', bytesVerified: rec.size, error: null })
      rt.sink = null
      rt.recv = null
      // The stream's complete frame usually tells the sender; this covers a stream that broke
      // right after the last chunk.
      await this.#control(rec, 'received')
      this.#d.log?.(`file ${rec.transferId} received`)
    } catch (err) {
      if (stats) stats.outcome = ctl.signal.aborted ? 'aborted' : asFileError(err).code
      if (stats && countersOf) {
        stats.chunksSent = countersOf.chunksReceived
        stats.bytesSent = countersOf.bytesReceived
      }
      if (ctl.signal.aborted) return // pause/cancel/stop already set the state
      // This attempt is over: #halt/#fail below must not wait for it (they would wait for themselves).
      if (rt.fetch === ctl) {
        rt.fetch = null
        rt.fetchDone = null
      }
      const e = asFileError(err)
      this.#d.log?.(`file ${rec.transferId} attempt ended: ${e.code}`, e)
      if (e.code === 'interrupted') {
        if (/paused/.test(e.message)) {
          rt.pausedBy = 'remote'
          await this.#set(rec, { state: 'paused' })
          return
        }
        await this.#set(rec, { state: 'waiting', error: toClientError(e) })
        this.#scheduleRetry(rec, rt)
      } else if (e.code === 'storage_full') {
        await this.#set(rec, { state: 'paused', error: toClientError(e) })
      } else if (e.code === 'cancelled' || e.code === 'declined') {
        await this.#halt(rec, e.code, 0)
      } else {
        await this.#fail(rec, e)
      }
    }
  }

  #scheduleRetry(rec: FileTransferRecord, rt: Runtime): void {
    if (this.#stopped || rt.retryTimer !== null) return
    const delay = rt.retryDelay
    rt.retryDelay = Math.min(this.#t.retryMaxMs, delay * 2)
    rt.retryTimer = setTimeout(() => {
      rt.retryTimer = null
      if (rec.state === 'waiting') this.#startFetch(rec)
    }, delay)
  }

  #clearRetry(rt: Runtime): void {
    if (rt.retryTimer !== null) clearTimeout(rt.retryTimer)
    rt.retryTimer = null
  }

  async #completeOutgoing(rec: FileTransferRecord): Promise<void> {
    if (rec.state === 'completed') return
    await this.#set(rec, { state: 'completed', bytesVerified: rec.size, error: null })
    const rt = this.#rt(rec.transferId)
    await rt.source?.close?.().catch(() => undefined)
    rt.source = null
    await this.#releaseSource(rec)
  }

  async #releaseSource(rec: FileTransferRecord): Promise<void> {
    await this.#d.storage.releaseSource?.(rec).catch((err: unknown) => {
      this.#d.log?.('could not free the staged file', err)
    })
  }

  async #resumeLocal(rec: FileTransferRecord): Promise<void> {
    const rt = this.#rt(rec.transferId)
    rt.pausedBy = null
    rt.retryDelay = this.#t.retryFirstMs
    if (rec.direction === 'in') {
      await this.#set(rec, { state: 'transferring', error: null })
      this.#startFetch(rec)
    } else {
      await this.#set(rec, { state: 'waiting', error: null })
    }
  }

  /** Stops any stream of this transfer and moves it to `state`; final states also drop the partial file. */
  async #halt(rec: FileTransferRecord, state: TransferState, status: number): Promise<void> {
    const rt = this.#rt(rec.transferId)
    this.#clearRetry(rt)
    rt.preparing?.abort()
    await this.#set(rec, { state })
    rt.fetch?.abort(status)
    for (const c of rt.serving) c.abort(status)
    // Return once the receiving side really stopped: no byte is counted after a pause returns.
    await rt.fetchDone?.catch(() => undefined)
    if (FINAL.includes(state)) await this.#dropRuntime(rec, rt)
  }

  async #fail(rec: FileTransferRecord, err: FileTransferError): Promise<FileTransfer> {
    const rt = this.#rt(rec.transferId)
    this.#clearRetry(rt)
    await this.#set(rec, { state: 'failed', error: toClientError(err) })
    rt.fetch?.abort(FILE_STATUS.integrity)
    await rt.fetchDone?.catch(() => undefined)
    await this.#dropRuntime(rec, rt)
    return this.view(rec)
  }

  async #dropRuntime(rec: FileTransferRecord, rt: Runtime): Promise<void> {
    if (rec.direction === 'in') {
      const sink = rt.sink ?? (await this.#d.storage.openSink(rec).catch(() => null))
      await sink?.discard().catch(() => undefined)
      rt.sink = null
      rt.recv = null
    } else {
      await rt.source?.close?.().catch(() => undefined)
      rt.source = null
      await this.#releaseSource(rec)
    }
  }

  async #control(rec: FileTransferRecord, action: FileAction): Promise<void> {
    try {
      await this.#d.sendControl(
        rec.conversationId,
        encodeControl({ transferId: fromHex(rec.transferId), action }),
      )
    } catch (err) {
      // The messenger's outbox retries on its own; a failure here only means it could not queue.
      this.#d.log?.(`file control ${action} for ${rec.transferId} not queued`, err)
    }
  }

  #progress(rec: FileTransferRecord, bytes: number): void {
    const rt = this.#rt(rec.transferId)
    const now = this.#clock()
    rt.rate.add(now, bytes)
    rec.bytesVerified = bytes
    if (now - rt.lastPersist >= this.#t.persistEveryMs) {
      rt.lastPersist = now
      rec.updatedAt = now
      void this.#save(rec)
    }
    if (now - rt.lastEmit >= this.#t.progressEveryMs) this.#emit(rec, false)
  }

  async #set(rec: FileTransferRecord, patch: Partial<FileTransferRecord>): Promise<void> {
    Object.assign(rec, patch, { updatedAt: this.#clock() })
    await this.#save(rec)
    this.#emit(rec, true)
  }

  /** Serialized per transfer: puts of one record never overtake each other. */
  #save(rec: FileTransferRecord): Promise<void> {
    const snapshot = { ...rec }
    const prev = this.#writes.get(rec.transferId) ?? Promise.resolve()
    const next = prev
      .then(() => this.#d.store.putTransfer(snapshot))
      .catch((err: unknown) => {
        this.#d.log?.(`transfer ${rec.transferId} not saved`, err)
      })
    this.#writes.set(rec.transferId, next)
    return next
  }

  #emit(rec: FileTransferRecord, force: boolean): void {
    const rt = this.#rt(rec.transferId)
    const now = this.#clock()
    if (!force && now - rt.lastEmit < this.#t.progressEveryMs) return
    rt.lastEmit = now
    this.#d.onUpdate?.(this.view(rec))
  }

  #rt(transferId: string): Runtime {
    let rt = this.#runtime.get(transferId)
    if (rt === undefined) {
      rt = {
        rate: new RateMeter(FILE_TIMING.rateWindowMs),
        preparing: null,
        fetch: null,
        pausedBy: null,
        fetchDone: null,
        serving: new Set(),
        recv: null,
        sink: null,
        source: null,
        retryTimer: null,
        retryDelay: this.#t.retryFirstMs,
        lastPersist: 0,
        lastEmit: 0,
        mailboxChunks: null,
        mailboxStored: 0,
      }
      this.#runtime.set(transferId, rt)
    }
    return rt
  }

  async #load(transferId: string): Promise<FileTransferRecord | undefined> {
    const cached = this.#records.get(transferId)
    if (cached !== undefined) return cached
    const rec = await this.#d.store.getTransfer(transferId)
    if (rec !== undefined) this.#records.set(transferId, rec)
    return rec
  }

  async #require(transferId: string): Promise<FileTransferRecord> {
    const rec = await this.#load(transferId)
    if (rec === undefined) throw new FileTransferError('not_found', 'no such transfer')
    return rec
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

function asFileError(err: unknown): FileTransferError {
  if (err instanceof FileTransferError) return err
  return new FileTransferError('interrupted', err instanceof Error ? err.message : String(err), {
    cause: err,
  })
}

export type { FileShareFields }

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
