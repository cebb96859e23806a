/**
 * Bookkeeping shared by both sides of a file transfer: the records (cached, saved in order per
 * transfer), each transfer's in-memory runtime (streams, timers, partial state), the state
 * changes and progress the client sees, and the ways a transfer stops (halt, fail). The sending
 * (outgoing.ts) and receiving (incoming.ts) halves and the engine facade all work through one
 * TransferBook so they agree on what a transfer is.
 */
import type { FileTransfer, TransferState } from '../client/api.ts'
import { fromHex } from '../crypto/bytes.ts'
import type { AesGcmProvider } from '../crypto/file-encryption.ts'
import { systemClock, systemRandom, type Clock, type RandomSource } from '../crypto/platform.ts'
import type { FileTransferRecord } from '../store/records.ts'
import type { MessengerStore } from '../store/store.ts'
import { encodeControl } from './codec.ts'
import { FileTransferError, toClientError } from './errors.ts'
import { FILE_LIMITS, FILE_STATUS, FILE_TIMING, type FileAction } from './limits.ts'
import type { FileSink, FileSource, FileStorage, OpenFileStream, Sha256Factory } from './ports.ts'
import { progressOf, RateMeter } from './progress.ts'
import type { ReceiveState } from './receiver.ts'

export const FINAL: readonly TransferState[] = [
  'completed',
  'declined',
  'cancelled',
  'failed',
  'elsewhere',
]

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
  /**
   * The conversation's contact: 'ok', 'blocked', or 'gone' (deleted); absent: always 'ok'. A
   * contact not 'ok' is served no file and no download from it runs (review RF-9).
   */
  contactState?(conversationId: string): Promise<ContactState>
  clock?: Clock
  random?: RandomSource
  aes?: AesGcmProvider
  sha256?: Sha256Factory
  /** Every state change, and progress at most every `progressEveryMs`. */
  onUpdate?(transfer: FileTransfer): void
  log?(message: string, extra?: unknown): void
  tuning?: Partial<EngineTuning>
}

/** Whether a transfer's contact may still exchange files (FileEngineDeps.contactState). */
export type ContactState = 'ok' | 'blocked' | 'gone'

export interface EngineTuning {
  windowChunks: number
  idleMs: number
  /** The first frame's deadline on an inbound stream (FILE_TIMING.requestMs). */
  requestMs: number
  retryFirstMs: number
  retryMaxMs: number
  progressEveryMs: number
  persistEveryMs: number
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

/** What this process holds for one transfer besides its record (lost on restart). */
export interface Runtime {
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

export class TransferBook {
  readonly stats: FileStreamStats[] = []
  readonly d: FileEngineDeps
  readonly clock: Clock
  readonly random: RandomSource
  readonly t: EngineTuning
  /** Set by stop(): nothing new starts (no fetch, no retry, no preparation result). */
  stopped = false
  readonly records = new Map<string, FileTransferRecord>()
  readonly runtimes = new Map<string, Runtime>()
  #writes = new Map<string, Promise<void>>()
  /** Transfers of deleted contacts (forget()): never saved again. */
  readonly #forgotten = new Set<string>()

  constructor(deps: FileEngineDeps) {
    this.d = deps
    this.clock = deps.clock ?? systemClock
    this.random = deps.random ?? systemRandom
    this.t = {
      windowChunks: FILE_LIMITS.windowChunks,
      idleMs: FILE_TIMING.frameIdleMs,
      requestMs: FILE_TIMING.requestMs,
      retryFirstMs: FILE_TIMING.retryFirstMs,
      retryMaxMs: FILE_TIMING.retryMaxMs,
      progressEveryMs: 250,
      persistEveryMs: FILE_TIMING.persistEveryMs,
      ...deps.tuning,
    }
  }

  /** The optional crypto providers, spread into the stream-level options. */
  get providers(): { aes?: AesGcmProvider; sha256?: Sha256Factory } {
    return {
      ...(this.d.aes ? { aes: this.d.aes } : {}),
      ...(this.d.sha256 ? { sha256: this.d.sha256 } : {}),
    }
  }

  rt(transferId: string): Runtime {
    let rt = this.runtimes.get(transferId)
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
        retryDelay: this.t.retryFirstMs,
        lastPersist: 0,
        lastEmit: 0,
        mailboxChunks: null,
        mailboxStored: 0,
      }
      this.runtimes.set(transferId, rt)
    }
    return rt
  }

  async load(transferId: string): Promise<FileTransferRecord | undefined> {
    const cached = this.records.get(transferId)
    if (cached !== undefined) return cached
    const rec = await this.d.store.getTransfer(transferId)
    if (rec !== undefined) this.records.set(transferId, rec)
    return rec
  }

  /** contactState for this transfer's conversation; a failing check counts as 'blocked'. */
  async contact(rec: FileTransferRecord): Promise<ContactState> {
    if (this.d.contactState === undefined) return 'ok'
    return this.d.contactState(rec.conversationId).catch((err: unknown): ContactState => {
      this.d.log?.(`transfer ${rec.transferId}: contact check failed`, err)
      return 'blocked'
    })
  }

  /**
   * The contact was deleted (the store dropped this record): stop its streams and retries and
   * forget the record, which is never written again (a late progress or state change would
   * otherwise store it back). The partial download or staged file goes once the fetch stopped
   * (not awaited: a fetch attempt may call this itself).
   */
  forget(rec: FileTransferRecord): void {
    this.#forgotten.add(rec.transferId)
    this.records.delete(rec.transferId)
    const rt = this.runtimes.get(rec.transferId)
    if (rt === undefined) return
    this.clearRetry(rt)
    rt.preparing?.abort()
    rt.fetch?.abort(FILE_STATUS.cancelled)
    for (const c of rt.serving) c.abort(FILE_STATUS.cancelled)
    const fetchDone = rt.fetchDone ?? Promise.resolve()
    void fetchDone
      .catch(() => undefined)
      .then(() => this.#dropRuntime(rec, rt))
      .finally(() => this.runtimes.delete(rec.transferId))
      .catch((err: unknown) => this.d.log?.(`transfer ${rec.transferId} not dropped`, err))
  }

  async require(transferId: string): Promise<FileTransferRecord> {
    const rec = await this.load(transferId)
    if (rec === undefined) throw new FileTransferError('not_found', 'no such transfer')
    return rec
  }

  /** A new record: cached, saved and shown. */
  async add(rec: FileTransferRecord): Promise<void> {
    this.records.set(rec.transferId, rec)
    await this.save(rec)
    this.emit(rec, true)
  }

  async set(rec: FileTransferRecord, patch: Partial<FileTransferRecord>): Promise<void> {
    Object.assign(rec, patch, { updatedAt: this.clock() })
    await this.save(rec)
    this.emit(rec, true)
  }

  /** Serialized per transfer: puts of one record never overtake each other. */
  save(rec: FileTransferRecord): Promise<void> {
    if (this.#forgotten.has(rec.transferId)) return Promise.resolve()
    const snapshot = { ...rec }
    const prev = this.#writes.get(rec.transferId) ?? Promise.resolve()
    const next = prev
      .then(() => this.d.store.putTransfer(snapshot))
      .catch((err: unknown) => {
        this.d.log?.(`transfer ${rec.transferId} not saved`, err)
      })
    this.#writes.set(rec.transferId, next)
    return next
  }

  /** Settles when every save queued so far has. */
  async flush(): Promise<void> {
    await Promise.all([...this.#writes.values()])
  }

  emit(rec: FileTransferRecord, force: boolean): void {
    const rt = this.rt(rec.transferId)
    const now = this.clock()
    if (!force && now - rt.lastEmit < this.t.progressEveryMs) return
    rt.lastEmit = now
    this.d.onUpdate?.(this.view(rec))
  }

  /** Bytes verified so far: saved at most every persistEveryMs, shown at most every progressEveryMs. */
  progress(rec: FileTransferRecord, bytes: number): void {
    const rt = this.rt(rec.transferId)
    const now = this.clock()
    rt.rate.add(now, bytes)
    rec.bytesVerified = bytes
    if (now - rt.lastPersist >= this.t.persistEveryMs) {
      rt.lastPersist = now
      rec.updatedAt = now
      void this.save(rec)
    }
    if (now - rt.lastEmit >= this.t.progressEveryMs) this.emit(rec, false)
  }

  view(rec: FileTransferRecord): FileTransfer {
    const rt = this.runtimes.get(rec.transferId)
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
      ...(rec.takenBy !== undefined ? { takenBy: rec.takenBy } : {}),
      ...(rec.declinedOn !== undefined ? { declinedOn: rec.declinedOn } : {}),
    }
  }

  /**
   * The contact's device this transfer talks to: the one it is bound to (the offering device, or
   * the device whose accept was taken), else the device we heard from last.
   */
  peerFor(rec: FileTransferRecord): string | undefined {
    return rec.peer ?? this.d.peerOf(rec.conversationId)
  }

  /** Queues a FileControl to the contact; a failure is logged (the outbox retries on its own). */
  async control(rec: FileTransferRecord, action: FileAction, takenBy?: string): Promise<void> {
    try {
      await this.d.sendControl(
        rec.conversationId,
        encodeControl({
          transferId: fromHex(rec.transferId),
          action,
          ...(takenBy !== undefined ? { takenBy } : {}),
        }),
      )
    } catch (err) {
      // The messenger's outbox retries on its own; a failure here only means it could not queue.
      this.d.log?.(`file control ${action} for ${rec.transferId} not queued`, err)
    }
  }

  clearRetry(rt: Runtime): void {
    if (rt.retryTimer !== null) clearTimeout(rt.retryTimer)
    rt.retryTimer = null
  }

  /** Stops any stream of this transfer and moves it to `state`; final states also drop the partial file. */
  async halt(rec: FileTransferRecord, state: TransferState, status: number): Promise<void> {
    const rt = this.rt(rec.transferId)
    this.clearRetry(rt)
    rt.preparing?.abort()
    await this.set(rec, { state })
    rt.fetch?.abort(status)
    for (const c of rt.serving) c.abort(status)
    // Return once the receiving side really stopped: no byte is counted after a pause returns.
    await rt.fetchDone?.catch(() => undefined)
    if (FINAL.includes(state)) await this.#dropRuntime(rec, rt)
  }

  async fail(rec: FileTransferRecord, err: FileTransferError): Promise<FileTransfer> {
    const rt = this.rt(rec.transferId)
    this.clearRetry(rt)
    await this.set(rec, { state: 'failed', error: toClientError(err) })
    rt.fetch?.abort(FILE_STATUS.integrity)
    await rt.fetchDone?.catch(() => undefined)
    await this.#dropRuntime(rec, rt)
    return this.view(rec)
  }

  /** Sender: the file arrived; the staged copy is no longer needed. */
  async completeOutgoing(rec: FileTransferRecord): Promise<void> {
    if (rec.state === 'completed') return
    await this.set(rec, { state: 'completed', bytesVerified: rec.size, error: null })
    const rt = this.rt(rec.transferId)
    await rt.source?.close?.().catch(() => undefined)
    rt.source = null
    await this.#releaseSource(rec)
  }

  async #releaseSource(rec: FileTransferRecord): Promise<void> {
    await this.d.storage.releaseSource?.(rec).catch((err: unknown) => {
      this.d.log?.('could not free the staged file', err)
    })
  }

  async #dropRuntime(rec: FileTransferRecord, rt: Runtime): Promise<void> {
    if (rec.direction === 'in') {
      const sink = rt.sink ?? (await this.d.storage.openSink(rec).catch(() => null))
      await sink?.discard().catch(() => undefined)
      rt.sink = null
      rt.recv = null
    } else {
      await rt.source?.close?.().catch(() => undefined)
      rt.source = null
      await this.#releaseSource(rec)
    }
  }
}

export function asFileError(err: unknown): FileTransferError {
  if (err instanceof FileTransferError) return err
  return new FileTransferError('interrupted', err instanceof Error ? err.message : String(err), {
    cause: err,
  })
}
