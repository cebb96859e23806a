/**
 * Sending the history to one linked device of ours (issue 19, ADR 0790): chunks (kind 16) at most
 * `HISTORY_WINDOW` unacknowledged, then the explicit end (kind 20), acknowledged like a chunk.
 *
 * - **Waiting, lost.** A deposit stays in the other device's mailbox until it took it (a frame it
 *   could not finish stays there too), so a device that is away only delays the transfer: the
 *   sender waits `ackTimeoutMs` at a time, up to `HISTORY_RESENDS` rounds without any ack, then
 *   the transfer fails, keeping its place. A deposit that failed (the connection dropped) is made
 *   again after each quiet round; when the device announces its mailbox again (it restarted),
 *   everything not acknowledged is deposited again at once (the receiver stores by message id and
 *   acks again, so nothing shows twice).
 * - **Resumed, not restarted.** The place is the plan's cursor after the last chunk acknowledged in
 *   order. Sending again after a failure, or the other device announcing its mailbox again (a
 *   restart), goes on from there under a new transfer id (so an ack of the interrupted run cannot
 *   count for a chunk planned again), with the same cut-off.
 * - **Done is said, not counted.** The count shown before is an estimate; the end carries the
 *   real number, so a history that grew or shrank meanwhile still ends on both devices.
 */
import type { HistoryTransfer } from '../../client/api.ts'
import { ClientApiError } from '../../client/api.ts'
import { toHex } from '../../crypto/bytes.ts'
import type { MessengerContext } from '../context.ts'
import type { HistoryResume, OwnLink } from '../secrets.ts'
import { encodeHistoryChunk, encodeHistoryEnd, HISTORY_CAPS } from './history-codec.ts'
import { HistoryPlaces, keptHistoryPlace } from './history-place.ts'
import { historyChunks, historyTotals, type HistoryCursor } from './history-plan.ts'

/** Chunks in flight before the sender waits for an ack (4 × 64 KiB deposits at most). */
export const HISTORY_WINDOW = 4
/**
 * The same over a direct stream (own-direct.ts): nothing waits on the relay, so the bound is the
 * sender's memory (16 × 48 KiB); a frame that falls back to the mailbox waits for the window of 4.
 */
export const HISTORY_DIRECT_WINDOW = 16
/** Rounds of `ackTimeoutMs` with no ack at all before the transfer fails (resumable). */
export const HISTORY_RESENDS = 5
const DEFAULT_ACK_TIMEOUT_MS = 60_000
/** Own-device kinds the sender deposits (history.ts HISTORY_FRAME_KIND). */
const KIND = { chunk: 16, end: 20 } as const

export interface HistorySendDeps {
  ctx(): MessengerContext
  links(): readonly OwnLink[]
  /** Seals and deposits one frame for a linked device (own-channel.ts). */
  send(link: OwnLink, kind: number, body: Uint8Array): Promise<void>
  emit(transfer: HistoryTransfer): void
  /** Chunks in flight for `link` now (HISTORY_DIRECT_WINDOW when direct); default HISTORY_WINDOW. */
  window?(link: OwnLink): number
}

interface Pending {
  kind: number
  body: Uint8Array
  /** The plan's place once this one is acknowledged. */
  next: HistoryCursor | null
  messages: number
  /** Its last deposit went through (it waits in the other device's mailbox). */
  deposited: boolean
}

interface Outgoing {
  status: HistoryTransfer
  /** This run's id: a resumed transfer gets a new one. */
  transferId: Uint8Array
  /** The cut-off: what was stored when the user started it. */
  until: number
  /** Acknowledged in order up to here (seq), and the plan's place after it. */
  base: number
  cursor: HistoryCursor | null
  pending: Map<number, Pending>
  acked: Set<number>
  /** Acks taken so far (a wait ends early when this moves). */
  progress: number
  resendNow: boolean
  /** False once failed for good (more than one transfer carries). */
  resumable: boolean
  wake: (() => void) | null
}

export class HistorySender {
  readonly #d: HistorySendDeps
  /** How long the sender waits for an ack before depositing again (tests shorten it). */
  ackTimeoutMs = DEFAULT_ACK_TIMEOUT_MS
  readonly #outgoing = new Map<string, Outgoing>()
  /** Runs still going: stop() ends them and waits for them. */
  readonly #runs = new Set<Promise<void>>()
  /** Writes of the transfers' places, one after another (stop() waits for them). */
  readonly #places = new HistoryPlaces()
  #stopped = false

  constructor(deps: HistorySendDeps) {
    this.#d = deps
  }

  get #ctx(): MessengerContext {
    return this.#d.ctx()
  }

  /** Starts sending to `link`'s device, or resumes a failed transfer to it where it stopped. */
  async send(link: OwnLink): Promise<HistoryTransfer> {
    if (this.#stopped) throw new ClientApiError('invalid_state', 'the messenger is stopping')
    const held = this.#outgoing.get(link.deviceId) ?? this.#restored(link.deviceId)
    if (held?.status.state === 'running')
      throw new ClientApiError('invalid_state', 'history is already being sent to that device')
    if (held?.status.state === 'failed' && held.resumable) return this.#resume(link, held)
    const until = this.#ctx.platform.clock()
    const { chunks } = await historyTotals(this.#ctx, until)
    const out: Outgoing = {
      status: {
        deviceId: link.deviceId,
        direction: 'out',
        state: chunks === 0 ? 'done' : 'running',
        chunksDone: 0,
        chunks,
        messages: 0,
        reason: null,
      },
      transferId: this.#newId(),
      until,
      base: 0,
      cursor: null,
      pending: new Map(),
      acked: new Set(),
      progress: 0,
      resendNow: false,
      resumable: true,
      wake: null,
    }
    this.#outgoing.set(link.deviceId, out)
    if (chunks > 0) this.#save(out)
    if (chunks > HISTORY_CAPS.chunks) {
      out.resumable = false
      this.#finish(out, 'failed', `more history than one transfer carries (${chunks} chunks)`)
    } else if (chunks > 0) this.#start(link, out)
    return { ...out.status }
  }

  /** The device announced its mailbox again (it restarted): what waits goes again now. */
  peerBack(link: OwnLink): void {
    if (this.#stopped) return
    // Also a transfer this device kept the place of before it restarted.
    const out = this.#outgoing.get(link.deviceId) ?? this.#restored(link.deviceId)
    if (out === undefined) return
    if (out.status.state === 'running') {
      out.resendNow = true
      out.wake?.()
    } else if (out.status.state === 'failed' && out.resumable) this.#resume(link, out)
  }

  /** Ends every run where it is, no timer left and nothing more sent or said. */
  async stop(): Promise<void> {
    this.#stopped = true
    for (const out of this.#outgoing.values()) out.wake?.()
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs])
    await this.#places.settled()
  }

  /** An ack (kind 17) from `deviceId`: a chunk or the end stored there. */
  takeAck(deviceId: string, transferId: Uint8Array, seq: number): void {
    const out = this.#outgoing.get(deviceId)
    if (out === undefined || toHex(out.transferId) !== toHex(transferId)) return // an old run's
    if (!out.pending.has(seq) || out.acked.has(seq)) return
    out.acked.add(seq)
    out.progress++
    const moved = out.acked.has(out.base + 1)
    // The place moves over what is acknowledged in order (acks may come out of order).
    while (out.acked.has(out.base + 1)) {
      const frame = out.pending.get(++out.base)!
      out.acked.delete(out.base)
      out.pending.delete(out.base)
      if (frame.next !== null) out.cursor = frame.next
      if (frame.kind === KIND.chunk) {
        out.status.chunksDone++
        out.status.messages += frame.messages
      }
    }
    if (out.status.state === 'running') this.#d.emit({ ...out.status })
    if (moved) this.#save(out)
    out.wake?.()
  }

  /** A transfer's place as this device kept it before a restart (failed, to be resumed). */
  #restored(deviceId: string): Outgoing | undefined {
    const r = keptHistoryPlace(this.#ctx, deviceId)
    if (r === undefined) return undefined
    const out: Outgoing = {
      status: {
        deviceId,
        direction: 'out',
        state: 'failed',
        chunksDone: r.base,
        chunks: Math.max(r.chunks, r.base),
        messages: r.messages,
        reason: 'this device restarted',
      },
      transferId: this.#newId(),
      until: r.until,
      base: r.base,
      cursor: r.cursor,
      pending: new Map(),
      acked: new Set(),
      progress: 0,
      resendNow: false,
      resumable: true,
      wake: null,
    }
    this.#outgoing.set(deviceId, out)
    return out
  }

  /** Keeps `out`'s place (or forgets it once done or not resumable) across restarts. */
  #save(out: Outgoing): void {
    const { deviceId, chunks, state } = out.status
    const keep = state !== 'done' && out.resumable
    const resume: HistoryResume | null = keep
      ? {
          deviceId,
          until: out.until,
          base: out.base,
          messages: out.status.messages,
          cursor: out.cursor,
          chunks,
        }
      : null
    this.#places.keep(this.#ctx, deviceId, resume)
  }

  #resume(link: OwnLink, out: Outgoing): HistoryTransfer {
    out.transferId = this.#newId()
    out.pending.clear()
    out.acked.clear()
    out.resendNow = false
    out.status = { ...out.status, state: 'running', reason: null }
    this.#d.emit({ ...out.status })
    this.#start(link, out)
    return { ...out.status }
  }

  #newId(): Uint8Array {
    return this.#ctx.platform.random(HISTORY_CAPS.transferIdBytes)
  }

  #start(link: OwnLink, out: Outgoing): void {
    const run = this.#run(link, out)
    this.#runs.add(run)
    void run.finally(() => this.#runs.delete(run))
  }

  async #run(link: OwnLink, out: Outgoing): Promise<void> {
    try {
      let seq = out.base
      for await (const planned of historyChunks(this.#ctx, out.until, out.cursor)) {
        seq++
        if (seq > HISTORY_CAPS.chunks) {
          out.resumable = false
          throw new Error(`more history than one transfer carries (over ${HISTORY_CAPS.chunks})`)
        }
        // The count shown first is an estimate (the store may change): never below what went.
        out.status.chunks = Math.max(out.status.chunks, seq)
        const { next, messages } = planned
        const body = encodeHistoryChunk({
          ...planned,
          transferId: out.transferId,
          seq,
          total: out.status.chunks,
        })
        const window = this.#d.window?.(link) ?? HISTORY_WINDOW
        if (!(await this.#room(link, out, window - 1))) return
        const frame = { kind: KIND.chunk, body, next, messages: messages.length, deposited: false }
        await this.#deposit(link, out, seq, frame)
      }
      // Every chunk stored there, then the end, acknowledged like one.
      if (!(await this.#room(link, out, 0))) return
      const end = encodeHistoryEnd(out.transferId, seq + 1)
      const frame = { kind: KIND.end, body: end, next: null, messages: 0, deposited: false }
      await this.#deposit(link, out, seq + 1, frame)
      if (!(await this.#room(link, out, 0))) return
      out.status.chunks = seq
      out.status.chunksDone = seq
      this.#finish(out, 'done', null)
    } catch (err) {
      if (this.#stopped) return // stopped mid-read or mid-send: nothing more is said
      this.#ctx.log('history transfer stopped', err)
      const reason = err instanceof Error ? err.message : 'the transfer stopped'
      this.#finish(out, 'failed', reason.slice(0, 500) || 'the transfer stopped')
    }
  }

  /** Deposits one frame; a failed deposit is left to the resend (it counts as lost). */
  async #deposit(link: OwnLink, out: Outgoing, seq: number, frame: Pending): Promise<void> {
    // Removed meanwhile: not one more chunk goes to it.
    if (!this.#d.links().some((l) => l.deviceId === link.deviceId)) {
      out.resumable = false
      throw new Error('that device was removed')
    }
    out.pending.set(seq, frame)
    frame.deposited = await this.#d.send(link, frame.kind, frame.body).then(
      () => true,
      (err: unknown) => {
        this.#ctx.log('history frame not deposited; sent again later', err)
        return false
      },
    )
  }

  /**
   * Waits until at most `inFlight` frames are unacknowledged: after each quiet `ackTimeoutMs` the
   * deposits that failed are made again, all of them when the device came back; false when
   * stopped meanwhile.
   */
  async #room(link: OwnLink, out: Outgoing, inFlight: number): Promise<boolean> {
    let quiet = 0
    while (out.pending.size > inFlight) {
      if (this.#stopped) return false
      if (!out.resendNow) {
        const before = out.progress
        await this.#sleep(out)
        if (this.#stopped) return false
        if (out.progress !== before) {
          quiet = 0
          continue
        }
        if (!out.resendNow && ++quiet > HISTORY_RESENDS)
          throw new Error('the other device did not answer')
      }
      const all = out.resendNow
      out.resendNow = false
      for (const [seq, frame] of [...out.pending].sort(([a], [b]) => a - b))
        if (!out.acked.has(seq) && (all || !frame.deposited))
          await this.#deposit(link, out, seq, frame)
    }
    return !this.#stopped
  }

  /** Waits `ackTimeoutMs`, or less when an ack, the device's return or stop() wakes it. */
  #sleep(out: Outgoing): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => out.wake?.(), this.ackTimeoutMs)
      out.wake = () => {
        clearTimeout(timer)
        out.wake = null
        resolve()
      }
    })
  }

  #finish(out: Outgoing, state: 'done' | 'failed', reason: string | null): void {
    out.status = { ...out.status, state, reason }
    if (state === 'done' || !out.resumable) this.#save(out)
    this.#d.emit({ ...out.status })
  }
}
