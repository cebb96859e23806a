/**
 * 1:1 calls on the node's side (docs/protocol/calls.md): one call at a time, signalling carried as
 * E2EE chat payloads sent at once (never queued in the outbox), ring and connect timeouts, a call
 * entry in the conversation when a call ends, and trust checks (no calls to or from a contact who
 * is blocked or whose key changed). The media itself lives in the call window; the node relays its
 * SDP and ICE and keeps the state every page sees (`call.updated`).
 *
 * States: outgoing_ringing / incoming_ringing → connecting (answer sent or received) → active (the
 * window reports media) → ended. Every path ends in `#end`, which writes the history entry once.
 */
import {
  fail,
  ok,
  type CallEndReason,
  type CallInfo,
  type CallMedia,
  type CallSignal,
  type ClientResponse,
} from '../client/api.ts'
import type { ContactRecord } from '../store/records.ts'
import { outcomeOf, recordCallEntry } from './call-history.ts'
import { randomId, type MessengerContext } from './context.ts'
import {
  CALL_LIMITS,
  CALL_TIMING,
  normalizeFingerprint,
  type CallIceCandidate,
  type CallWireSignal,
} from './calls-wire.ts'
import {
  answeredElsewhere,
  lateAnswerFromAnotherDevice,
  ringsOnSeveralDevices,
} from './calls-devices.ts'
import { RingLimiter } from './calls-ring-limit.ts'
import type { Route } from './outbox.ts'
import { encodePayload, type Payload } from './payload.ts'
import { fromBase64Url, toBase64Url } from './records.ts'

export interface CallsHooks {
  /** Encrypts and sends one payload now (Outbox.sendNow); throws when it could not. */
  sendNow(contact: ContactRecord, payload: Uint8Array): Promise<Route>
  /** Rings: a notification without message text (the messenger applies the user's settings). */
  notifyRing(contact: ContactRecord, conversationId: string): void
  /** Relay-only mode (ADR 0752): an answer would show the caller our address; offers are declined. */
  relayOnly?: () => boolean
}

interface Call {
  info: CallInfo
  /** Remote signals kept for the window until the user accepts (offer first, then ICE). */
  pending: CallSignal[]
  /** Remote ICE signals dropped while ringing, beyond CALL_LIMITS.ringingCandidates. */
  dropped: number
  offerSent: boolean
  timer: ReturnType<typeof setTimeout> | null
  /** Signals of this call leave one after another (the offer before its ICE). */
  sending: Promise<void>
}

/** Ended call ids remembered, so a late duplicate offer does not ring again. */
const RECENT_CALLS = 64

type CallResult = ClientResponse<{ call: CallInfo }>

export class MessengerCalls {
  /** Ring, connect and staleness timings; tests shorten them. */
  readonly timing: { -readonly [K in keyof typeof CALL_TIMING]: number } = { ...CALL_TIMING }
  readonly #ctx: MessengerContext
  readonly #hooks: CallsHooks
  #call: Call | null = null
  readonly #recent: string[] = []
  readonly #rings = new RingLimiter(this.timing)

  constructor(ctx: MessengerContext, hooks: CallsHooks) {
    this.#ctx = ctx
    this.#hooks = hooks
  }

  /** The call in progress, or null once it ended. */
  current(): CallInfo | null {
    return this.#call === null ? null : { ...this.#call.info }
  }

  async start(conversationId: string, media: CallMedia): Promise<CallResult> {
    if (this.#call !== null) return fail('busy', 'hang up the current call first')
    const found = await this.#contactOf(conversationId)
    if (found === undefined) return fail('not_found', 'no such conversation')
    const refused = refusal(found)
    if (refused !== null) return refused
    if (this.#call !== null) return fail('busy', 'hang up the current call first')
    const now = this.#ctx.platform.clock()
    const info: CallInfo = {
      callId: toBase64Url(randomId(this.#ctx.platform)),
      conversationId,
      contactId: found.contactId,
      direction: 'out',
      media,
      state: 'outgoing_ringing',
      muted: false,
      cameraOn: media === 'video',
      startedAt: now,
      connectedAt: null,
      endedAt: null,
      endReason: null,
      localDtlsFingerprint: null,
      remoteDtlsFingerprint: null,
    }
    const call = this.#begin(info)
    this.#arm(call, this.timing.ringMs, () => {
      this.#sendWire(call, { kind: 'hangup', callId: idOf(call), reason: 'hangup' })
      void this.#end(call, 'missed')
    })
    return ok({ call: { ...info } })
  }

  accept(callId: string): CallResult {
    const call = this.#find(callId)
    if (call === null) return fail('not_found', 'no such call')
    if (call.info.state !== 'incoming_ringing') return invalid(call)
    call.info.state = 'connecting'
    this.#arm(call, this.timing.connectMs, () => this.#failCall(call, 'no media connection'))
    this.#changed(call)
    // The window that accepted now gets what arrived while it rang (it subscribed before).
    const pending = call.pending.splice(0)
    for (const signal of pending) {
      this.#ctx.emit({ type: 'call.signal', callId: call.info.callId, signal })
    }
    return ok({ call: { ...call.info } })
  }

  async decline(callId: string): Promise<CallResult> {
    const call = this.#find(callId)
    if (call === null) return fail('not_found', 'no such call')
    if (call.info.state !== 'incoming_ringing') return invalid(call)
    this.#sendWire(call, { kind: 'decline', callId: idOf(call) })
    return ok({ call: await this.#end(call, 'declined') })
  }

  async hangUp(callId: string): Promise<CallResult> {
    const call = this.#find(callId)
    if (call === null) return fail('not_found', 'no such call')
    if (call.info.direction === 'in' && call.info.state === 'incoming_ringing') {
      this.#sendWire(call, { kind: 'decline', callId: idOf(call) })
      return ok({ call: await this.#end(call, 'declined') })
    }
    this.#sendWire(call, { kind: 'hangup', callId: idOf(call), reason: 'hangup' })
    return ok({ call: await this.#end(call, 'hangup') })
  }

  setMuted(callId: string, muted: boolean): CallResult {
    return this.#toggle(callId, (info) => (info.muted = muted))
  }

  setCamera(callId: string, cameraOn: boolean): CallResult {
    return this.#toggle(callId, (info) => {
      if (info.media === 'video') info.cameraOn = cameraOn
    })
  }

  /** Local signalling from the call window: sent to the contact, or (media) applied here. */
  signal(callId: string, signal: CallSignal): ClientResponse<Record<never, never>> {
    const call = this.#find(callId)
    if (call === null) return fail('not_found', 'no such call')
    const info = call.info
    const id = idOf(call)
    switch (signal.kind) {
      case 'offer':
      case 'answer': {
        const fp = normalizeFingerprint(signal.dtlsFingerprint)
        if (fp === null) return fail('invalid_request', 'dtlsFingerprint is not a fingerprint')
        const expected = signal.kind === 'offer' ? 'outgoing_ringing' : 'connecting'
        const mine = signal.kind === 'offer' ? 'out' : 'in'
        if (info.direction !== mine || info.state !== expected || call.offerSent)
          return invalid(call)
        call.offerSent = true
        info.localDtlsFingerprint = fp
        this.#changed(call)
        this.#sendWire(
          call,
          signal.kind === 'offer'
            ? { kind: 'offer', callId: id, media: info.media, sdp: signal.sdp, dtlsFingerprint: fp }
            : { kind: 'answer', callId: id, sdp: signal.sdp, dtlsFingerprint: fp },
        )
        return ok({})
      }
      case 'ice':
      case 'ice_end': {
        if (info.state === 'incoming_ringing') return invalid(call)
        const candidates: CallIceCandidate[] =
          signal.kind === 'ice'
            ? [
                {
                  candidate: signal.candidate,
                  sdpMid: signal.sdpMid,
                  sdpMLineIndex: signal.sdpMLineIndex,
                },
              ]
            : []
        this.#sendWire(call, { kind: 'ice', callId: id, candidates })
        return ok({})
      }
      case 'media': {
        if (signal.state === 'failed') {
          this.#failCall(call, signal.detail ?? 'media failed')
          return ok({})
        }
        if (info.state !== 'connecting') return invalid(call)
        info.state = 'active'
        info.connectedAt = this.#ctx.platform.clock()
        this.#disarm(call)
        this.#changed(call)
        return ok({})
      }
    }
  }

  /** A call signal from a contact (the inbox, after the frame committed). Never throws. */
  receive(contact: ContactRecord, conversationId: string, payload: Payload): void {
    if (payload.body.kind !== 'call') return
    void this.#receive(contact, conversationId, payload.sentAt, payload.body.call).catch((err) =>
      this.#ctx.log('call signal', err),
    )
  }

  async #receive(
    from: ContactRecord,
    conversationId: string,
    sentAt: number,
    s: CallWireSignal,
  ): Promise<void> {
    const contact = (await this.#ctx.store.getContact(from.contactId)) ?? from
    if (s.kind === 'offer') {
      await this.#receiveOffer(contact, conversationId, sentAt, s)
      return
    }
    const call = this.#call
    if (
      call === null ||
      call.info.callId !== toBase64Url(s.callId) ||
      call.info.contactId !== contact.contactId
    )
      return
    await this.#receiveOnCall(call, contact, s)
  }

  /** An offer rings, unless it is stale, a duplicate, from a contact we do not answer, or busy. */
  async #receiveOffer(
    contact: ContactRecord,
    conversationId: string,
    sentAt: number,
    s: Extract<CallWireSignal, { kind: 'offer' }>,
  ): Promise<void> {
    const callId = toBase64Url(s.callId)
    if (this.#recent.includes(callId) || this.#call?.info.callId === callId) return
    const now = this.#ctx.platform.clock()
    const stale = now - sentAt > this.timing.ringMs + this.timing.staleMarginMs
    if (this.#hooks.relayOnly?.() === true && !stale && !contact.blocked && !contact.keyChange) {
      await this.#declineRelayOnly(contact, conversationId, sentAt, s)
      return
    }
    // Not rung: recorded as missed. A contact whose key changed is not answered at all (we do
    // not send to an unconfirmed key); a busy line says so. A contact ringing too often
    // (calls-ring-limit.ts) gets no reply either: answering every offer of a flood would amplify it,
    // and an honest caller's own ring timeout ends the call.
    const limited = !this.#rings.mayRing(contact.contactId, now)
    if (stale || limited || contact.blocked || contact.keyChange !== null || this.#call !== null) {
      this.#remember(callId)
      if (this.#call !== null && !stale && !limited && !contact.blocked && !contact.keyChange) {
        void this.#sendTo(contact, { kind: 'busy', callId: s.callId }).catch((err) =>
          this.#ctx.log('busy reply not sent', err),
        )
      }
      if (!contact.blocked) {
        await recordCallEntry(this.#ctx, {
          callId,
          conversationId,
          direction: 'in',
          media: s.media,
          outcome: 'missed',
          durationMs: 0,
          sentAt,
        })
      }
      return
    }
    const info: CallInfo = {
      callId,
      conversationId,
      contactId: contact.contactId,
      direction: 'in',
      media: s.media,
      state: 'incoming_ringing',
      muted: false,
      cameraOn: s.media === 'video',
      startedAt: now,
      connectedAt: null,
      endedAt: null,
      endReason: null,
      localDtlsFingerprint: null,
      remoteDtlsFingerprint: s.dtlsFingerprint,
    }
    const call = this.#begin(info)
    call.pending.push({ kind: 'offer', sdp: s.sdp, dtlsFingerprint: s.dtlsFingerprint })
    this.#arm(call, this.timing.ringMs, () => void this.#end(call, 'missed'))
    this.#hooks.notifyRing(contact, conversationId)
  }

  /** Relay-only: not rung; the caller hears "declined", we keep a missed call. */
  async #declineRelayOnly(
    contact: ContactRecord,
    conversationId: string,
    sentAt: number,
    s: Extract<CallWireSignal, { kind: 'offer' }>,
  ): Promise<void> {
    const callId = toBase64Url(s.callId)
    this.#remember(callId)
    void this.#sendTo(contact, { kind: 'decline', callId: s.callId }).catch((err) =>
      this.#ctx.log('relay-only decline not sent', err),
    )
    await recordCallEntry(this.#ctx, {
      callId,
      conversationId,
      direction: 'in',
      media: s.media,
      outcome: 'missed',
      durationMs: 0,
      sentAt,
    })
  }

  /**
   * A signal for the call in progress (same call id, same contact). A contact with several devices
   * (calls-devices.ts): the first answer wins and is named to all of them; a decline from one
   * stops the others; a busy device does not end a call still ringing on the others.
   */
  async #receiveOnCall(
    call: Call,
    contact: ContactRecord,
    s: Exclude<CallWireSignal, { kind: 'offer' }>,
  ): Promise<void> {
    const info = call.info
    const callId = info.callId
    const several = ringsOnSeveralDevices(contact)
    switch (s.kind) {
      case 'answer':
        if (lateAnswerFromAnotherDevice(info, s.dtlsFingerprint) && several) this.#taken(call)
        if (info.direction !== 'out' || info.state !== 'outgoing_ringing') return
        info.state = 'connecting'
        info.remoteDtlsFingerprint = s.dtlsFingerprint
        this.#arm(call, this.timing.connectMs, () => this.#failCall(call, 'no media connection'))
        this.#changed(call)
        this.#ctx.emit({
          type: 'call.signal',
          callId,
          signal: { kind: 'answer', sdp: s.sdp, dtlsFingerprint: s.dtlsFingerprint },
        })
        if (several) this.#taken(call)
        return
      case 'ice': {
        const signals: CallSignal[] =
          s.candidates.length === 0
            ? [{ kind: 'ice_end' }]
            : s.candidates.map((c) => ({ kind: 'ice', ...c }))
        for (const signal of signals) {
          if (info.state !== 'incoming_ringing')
            this.#ctx.emit({ type: 'call.signal', callId, signal })
          else this.#hold(call, signal)
        }
        return
      }
      case 'hangup': {
        if (s.reason === 'answered_elsewhere') {
          if (answeredElsewhere(info, s.dtlsFingerprint))
            await this.#end(call, 'answered_elsewhere')
          return
        }
        const ringing = info.state === 'incoming_ringing' || info.state === 'outgoing_ringing'
        await this.#end(
          call,
          s.reason === 'failed' ? 'failed' : ringing ? 'missed' : 'remote_hangup',
        )
        return
      }
      case 'decline':
        if (info.direction !== 'out') return
        // The callee's other devices still ring: a hangup stops them.
        if (several) this.#sendWire(call, { kind: 'hangup', callId: idOf(call), reason: 'hangup' })
        await this.#end(call, 'declined')
        return
      case 'busy':
        if (info.direction === 'out' && info.state === 'outgoing_ringing' && !several)
          await this.#end(call, 'busy')
        return
    }
  }

  /**
   * Keeps a remote ICE signal of a ringing call for the window, up to CALL_LIMITS.ringingCandidates
   * (the offer is held too, so one more): beyond that a contact is flooding, the rest is dropped
   * and logged once per call.
   */
  #hold(call: Call, signal: CallSignal): void {
    if (call.pending.length <= CALL_LIMITS.ringingCandidates) call.pending.push(signal)
    else if (call.dropped++ === 0) this.#ctx.log(`call ${call.info.callId}: ICE flood, dropped`)
  }

  /** Caller: tells every device of the callee which answer was taken; the others stop. */
  #taken(call: Call): void {
    const fp = call.info.remoteDtlsFingerprint
    if (fp === null) return
    this.#sendWire(call, {
      kind: 'hangup',
      callId: idOf(call),
      reason: 'answered_elsewhere',
      dtlsFingerprint: fp,
    })
  }

  /** The contact's trust changed: a call with a contact now blocked or key-changed ends. */
  async trustChanged(contactId: string): Promise<void> {
    const call = this.#call
    if (call === null || call.info.contactId !== contactId) return
    const contact = await this.#ctx.store.getContact(contactId)
    if (contact === undefined || contact.blocked || contact.keyChange !== null) {
      await this.#end(call, 'key_changed')
    }
  }

  /** The messenger stops: a call in progress ends (failed) and is recorded. */
  async stop(): Promise<void> {
    const call = this.#call
    if (call !== null) await this.#end(call, 'failed')
  }

  #begin(info: CallInfo): Call {
    const call: Call = {
      info,
      pending: [],
      dropped: 0,
      offerSent: false,
      timer: null,
      sending: Promise.resolve(),
    }
    this.#call = call
    this.#remember(info.callId)
    this.#changed(call)
    return call
  }

  #find(callId: string): Call | null {
    const call = this.#call
    return call !== null && call.info.callId === callId ? call : null
  }

  #toggle(callId: string, change: (info: CallInfo) => void): CallResult {
    const call = this.#find(callId)
    if (call === null) return fail('not_found', 'no such call')
    if (call.info.state === 'incoming_ringing') return invalid(call)
    change(call.info)
    this.#changed(call)
    return ok({ call: { ...call.info } })
  }

  #failCall(call: Call, detail: string): void {
    if (this.#call !== call) return
    this.#ctx.log(`call ${call.info.callId} failed: ${detail}`)
    this.#sendWire(call, { kind: 'hangup', callId: idOf(call), reason: 'failed' })
    void this.#end(call, 'failed')
  }

  #arm(call: Call, ms: number, fire: () => void): void {
    this.#disarm(call)
    call.timer = setTimeout(() => {
      call.timer = null
      if (this.#call === call) fire()
    }, ms)
  }

  #disarm(call: Call): void {
    if (call.timer !== null) clearTimeout(call.timer)
    call.timer = null
  }

  #changed(call: Call): void {
    this.#ctx.emit({ type: 'call.updated', call: { ...call.info } })
  }

  #remember(callId: string): void {
    if (this.#recent.includes(callId)) return
    this.#recent.push(callId)
    if (this.#recent.length > RECENT_CALLS) this.#recent.shift()
  }

  /** Ends the call once: state, event, history entry. */
  async #end(call: Call, reason: CallEndReason): Promise<CallInfo> {
    if (this.#call !== call) return { ...call.info }
    this.#call = null
    this.#disarm(call)
    const info = call.info
    const now = this.#ctx.platform.clock()
    // A ring the user neither answered nor declined counts against the contact's ring rate.
    if (info.state === 'incoming_ringing' && reason !== 'declined')
      this.#rings.note(info.contactId, now)
    info.state = 'ended'
    info.endedAt = now
    info.endReason = reason
    this.#changed(call)
    const durationMs = info.connectedAt === null ? 0 : Math.max(0, now - info.connectedAt)
    await recordCallEntry(this.#ctx, {
      callId: info.callId,
      conversationId: info.conversationId,
      direction: info.direction,
      media: info.media,
      outcome: outcomeOf(reason, info.connectedAt !== null),
      durationMs,
      sentAt: info.startedAt,
    }).catch((err) => this.#ctx.log('call entry not stored', err))
    return { ...info }
  }

  /** Queues a signal behind this call's earlier ones; a signal that cannot be sent fails the call. */
  #sendWire(call: Call, signal: CallWireSignal): void {
    call.sending = call.sending.then(async () => {
      const contact = await this.#ctx.store.getContact(call.info.contactId)
      try {
        if (contact === undefined) throw new Error('the contact was deleted')
        await this.#sendTo(contact, signal)
      } catch (err) {
        this.#ctx.log(`call signal ${signal.kind} not sent`, err)
        if (this.#call === call && signal.kind !== 'hangup' && signal.kind !== 'decline') {
          await this.#end(call, 'failed')
        }
      }
    })
  }

  async #sendTo(contact: ContactRecord, signal: CallWireSignal): Promise<void> {
    if (contact.blocked || contact.keyChange !== null) {
      throw new Error('the contact is blocked or their key changed: nothing is sent')
    }
    let last: unknown
    for (let attempt = 0; attempt < this.timing.sendAttempts; attempt++) {
      const payload = encodePayload({
        messageId: randomId(this.#ctx.platform),
        sentAt: this.#ctx.platform.clock(),
        body: { kind: 'call', call: signal },
      })
      try {
        await this.#hooks.sendNow(contact, payload)
        return
      } catch (err) {
        last = err
      }
    }
    throw last instanceof Error ? last : new Error(String(last))
  }

  async #contactOf(conversationId: string): Promise<ContactRecord | undefined> {
    const conv = await this.#ctx.store.getConversation(conversationId)
    return conv && (await this.#ctx.store.getContact(conv.contactId))
  }
}

function idOf(call: Call): Uint8Array {
  return fromBase64Url(call.info.callId)
}

function refusal(contact: ContactRecord): CallResult | null {
  if (contact.blocked) return fail('contact_blocked', 'unblock the contact to call them')
  if (contact.keyChange !== null) {
    return fail('key_changed', 'verify or accept the new key before calling')
  }
  return null
}

function invalid(call: Call): CallResult & { ok: false } {
  return fail('invalid_state', `the call is ${call.info.state}`)
}
