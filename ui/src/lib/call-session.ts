// The call window's side of a call: the RTCPeerConnection with the local camera/microphone, the
// signalling it exchanges with the node (which carries it E2EE, docs/protocol/calls.md), and the
// DTLS fingerprint checks that make a tampered signalling path fail the call:
//   1. the fingerprint in the SDP we apply must equal the one bound in the encrypted signal;
//   2. once connected, the certificate the contact actually presented (getStats: transport →
//      remoteCertificateId → certificate.fingerprint) must equal it too.
// Either mismatch ends the call with reason `failed` and a sentence saying why.
//
// State lives in Boxes (reactive-box.ts) so CallWindow.svelte follows it without runes here.
import type { CallInfo, CallSignal, ClientEvent, MessengerClient } from '@hestia/core/client/api.ts'
import { sameFingerprint, sdpFingerprint } from '@hestia/core/client/call-fingerprint.ts'
import { call as request } from './client-call.ts'
import {
  gathered,
  passiveAnswer,
  presentedCertificate,
  transportCertificate,
} from './peer-connection.ts'
import { Box } from './reactive-box.ts'

export { passiveAnswer } from './peer-connection.ts'

/** Longest wait for ICE gathering before the SDP is sent (later candidates trickle). */
export const GATHER_WAIT_MS = 1_500
/** How often getStats is read while waiting for the first decoded frame. */
const FIRST_FRAME_POLL_MS = 50
/** Reads of getStats waiting for the contact's certificate to be listed (10 s in all). */
const CERTIFICATE_POLLS = 50
const CERTIFICATE_POLL_MS = 200

export const FINGERPRINT_MISMATCH_SDP =
  'The security fingerprint in the contact’s connection data does not match the one in their encrypted signalling. The call was stopped: someone may be tampering with it.'
export const FINGERPRINT_MISMATCH_CERT =
  'The contact’s connection presented a different security certificate than the one in their encrypted signalling. The call was stopped: someone may be tampering with it.'
export const MEDIA_FAILED = 'The media connection failed.'

export interface CallSessionOptions {
  iceServers: RTCIceServer[]
  /** Default: navigator.mediaDevices.getUserMedia. */
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>
  /** Default: `new RTCPeerConnection(config)`. */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection
  /**
   * The fingerprint we bind into our signalling for our own certificate. Default: that
   * fingerprint. Only the test build's call page replaces it (extension/src/pages/
   * call-test-hooks.ts, compiled out of production builds) to play a tampered signalling path.
   */
  boundFingerprint?: (ours: string) => string
  /**
   * The incoming call ended (or was already over when the window loaded) before this window
   * accepted it: the window has nothing left to do (the missed call is in the conversation), so the
   * call page closes itself. Without it, a contact ringing and hanging up left one window open per
   * ring (review rf RF-7).
   */
  onUnanswered?: () => void
}

/** What the window measured, for the test hook and the log line. */
export interface CallTimings {
  /** Date.now() when the window started its media. */
  mediaStartedAt: number | null
  /** Date.now() when our offer/answer went to the node. */
  localSentAt: number | null
  /** Date.now() when the contact's offer/answer was applied. */
  remoteAppliedAt: number | null
  /** Date.now() when the peer connection reached `connected` (ICE and DTLS done). */
  connectedAt: number | null
  /** Date.now() when getStats first showed a decoded remote frame (or audio for audio calls). */
  firstFrameAt: number | null
}

export class CallSession {
  readonly client: MessengerClient
  readonly callId: string
  readonly #options: CallSessionOptions
  readonly #call = new Box<CallInfo | null>(null)
  get call(): CallInfo | null {
    return this.#call.value
  }
  readonly #error = new Box<string | null>(null)
  /** Why the call failed here (a sentence for the user), or null. */
  get error(): string | null {
    return this.#error.value
  }
  readonly #localStream = new Box<MediaStream | null>(null)
  get localStream(): MediaStream | null {
    return this.#localStream.value
  }
  readonly #remoteStream = new Box<MediaStream | null>(null)
  get remoteStream(): MediaStream | null {
    return this.#remoteStream.value
  }
  /** The certificate fingerprint the contact presented, once connected and checked. */
  readonly #certificate = new Box<string | null>(null)
  get presentedFingerprint(): string | null {
    return this.#certificate.value
  }
  readonly #certificateCheck = new Box<'pending' | 'matched' | 'unreported'>('pending')
  /** Check 2: the presented certificate matched, or the browser did not report it. */
  get certificateCheck(): 'pending' | 'matched' | 'unreported' {
    return this.#certificateCheck.value
  }
  readonly #loaded = new Box<boolean>(false)
  get loaded(): boolean {
    return this.#loaded.value
  }
  readonly timings: CallTimings = {
    mediaStartedAt: null,
    localSentAt: null,
    remoteAppliedAt: null,
    connectedAt: null,
    firstFrameAt: null,
  }

  #pc: RTCPeerConnection | null = null
  #audio: MediaStreamTrack | null = null
  #video: MediaStreamTrack | null = null
  #audioSender: RTCRtpSender | null = null
  #videoSender: RTCRtpSender | null = null
  /** Our SDP went out: later local candidates trickle. */
  #localSent = false
  #remoteSet = false
  readonly #remoteIce: RTCIceCandidateInit[] = []
  #unsubscribe: (() => void) | null = null
  #closed = false
  /** The user accepted the call in this window (an unanswered ring's window closes when it ends). */
  #accepted = false
  #toldUnanswered = false
  /** Signals that arrived before the peer connection existed (an early offer replay). */
  readonly #early: CallSignal[] = []
  #signals: Promise<void> = Promise.resolve()

  constructor(client: MessengerClient, callId: string, options: CallSessionOptions) {
    this.client = client
    this.callId = callId
    this.#options = options
  }

  /** Loads the call and follows it; an outgoing call starts its media and offer right away. */
  async start(): Promise<void> {
    this.#unsubscribe = this.client.subscribe((event) => this.#onEvent(event))
    const { call } = await request(this.client, { type: 'call.current' })
    this.#loaded.value = true
    if (call === null || call.callId !== this.callId) {
      this.#close()
      this.#unanswered()
      return
    }
    this.#call.value = call
    if (call.direction === 'out' && call.state === 'outgoing_ringing') {
      try {
        await this.#startMedia(call)
        const pc = this.#pc!
        await pc.setLocalDescription(await pc.createOffer())
        await this.#sendLocalDescription('offer')
      } catch (error) {
        await this.#fail(describe(error))
      }
    }
  }

  async accept(): Promise<void> {
    const call = this.call
    if (call === null || call.state !== 'incoming_ringing') return
    this.#accepted = true
    try {
      await this.#startMedia(call)
      // The node replays the offer (and early ICE) to us once we accepted.
      this.#call.value = (
        await request(this.client, { type: 'call.accept', callId: this.callId })
      ).call
      for (const signal of this.#early.splice(0)) this.#queueSignal(signal)
    } catch (error) {
      await this.#fail(describe(error))
    }
  }

  async decline(): Promise<void> {
    await this.#act({ type: 'call.decline', callId: this.callId })
  }

  async hangUp(): Promise<void> {
    await this.#act({ type: 'call.hangUp', callId: this.callId })
  }

  async setMuted(muted: boolean): Promise<void> {
    await this.#act({ type: 'call.setMuted', callId: this.callId, muted })
  }

  async setCamera(cameraOn: boolean): Promise<void> {
    await this.#act({ type: 'call.setCamera', callId: this.callId, cameraOn })
  }

  /** The window closes: a call still going is hung up. */
  leave(): void {
    const call = this.call
    if (call !== null && call.state !== 'ended' && !this.#closed) {
      void this.client
        .request(
          call.state === 'incoming_ringing'
            ? { type: 'call.decline', callId: this.callId }
            : { type: 'call.hangUp', callId: this.callId },
        )
        .catch(() => undefined)
    }
    this.#close()
  }

  /** Raw stats of the media connection (tests read inbound/outbound RTP from it). */
  async stats(): Promise<RTCStatsReport | null> {
    return this.#pc === null ? null : this.#pc.getStats()
  }

  async #act(
    r:
      | { type: 'call.decline'; callId: string }
      | { type: 'call.hangUp'; callId: string }
      | { type: 'call.setMuted'; callId: string; muted: boolean }
      | { type: 'call.setCamera'; callId: string; cameraOn: boolean },
  ): Promise<void> {
    try {
      const { call } = await request(this.client, r)
      this.#apply(call)
    } catch (error) {
      this.#error.value = describe(error)
    }
  }

  #onEvent(event: ClientEvent): void {
    if (event.type === 'call.updated' && event.call.callId === this.callId) this.#apply(event.call)
    if (event.type === 'call.signal' && event.callId === this.callId) {
      if (this.#pc === null) this.#early.push(event.signal)
      else this.#queueSignal(event.signal)
    }
  }

  #apply(call: CallInfo): void {
    this.#call.value = call
    if (this.#audio !== null) this.#setTrack('audio', !call.muted)
    if (this.#video !== null) this.#setTrack('video', call.cameraOn)
    if (call.state !== 'ended') return
    this.#close()
    if (call.direction === 'in' && !this.#accepted) this.#unanswered()
  }

  /** Tells the page once (an end event may race the window's first `call.current`). */
  #unanswered(): void {
    if (this.#toldUnanswered) return
    this.#toldUnanswered = true
    this.#options.onUnanswered?.()
  }

  /**
   * Muting takes the track off the sender (no packets at all, so the contact hears nothing and the
   * network carries nothing), and disables it locally.
   */
  #setTrack(kind: 'audio' | 'video', on: boolean): void {
    const track = kind === 'audio' ? this.#audio : this.#video
    const sender = kind === 'audio' ? this.#audioSender : this.#videoSender
    if (track === null) return
    track.enabled = on
    if (sender !== null && (sender.track === null) === on) {
      void sender.replaceTrack(on ? track : null).catch(() => undefined)
    }
  }

  async #startMedia(call: CallInfo): Promise<void> {
    if (this.#pc !== null) return
    const getUserMedia =
      this.#options.getUserMedia ??
      ((c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c))
    this.timings.mediaStartedAt = Date.now()
    const stream = await getUserMedia({ audio: true, video: call.media === 'video' })
    this.#localStream.value = stream
    this.#audio = stream.getAudioTracks()[0] ?? null
    this.#video = stream.getVideoTracks()[0] ?? null
    const create =
      this.#options.createPeerConnection ?? ((c: RTCConfiguration) => new RTCPeerConnection(c))
    const pc = create({ iceServers: this.#options.iceServers })
    this.#pc = pc
    const remote = new MediaStream()
    this.#remoteStream.value = remote
    pc.ontrack = (e) => {
      remote.addTrack(e.track)
      // A new object so the window's <video> picks up the added track.
      this.#remoteStream.value = new MediaStream(remote.getTracks())
    }
    pc.onicecandidate = (e) => {
      if (!this.#localSent) return // gathered before the SDP left: it is in the SDP
      const signal: CallSignal =
        e.candidate === null || e.candidate.candidate === ''
          ? { kind: 'ice_end' }
          : {
              kind: 'ice',
              candidate: e.candidate.candidate,
              sdpMid: e.candidate.sdpMid,
              sdpMLineIndex: e.candidate.sdpMLineIndex,
            }
      void this.client
        .request({ type: 'call.signal', callId: this.callId, signal })
        .catch(() => undefined)
    }
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') {
        this.timings.connectedAt = Date.now()
        void this.#connected(pc)
      }
      if (pc.connectionState === 'failed') void this.#fail(MEDIA_FAILED)
    }
    if (this.#audio !== null) this.#audioSender = pc.addTrack(this.#audio, stream)
    if (this.#video !== null) this.#videoSender = pc.addTrack(this.#video, stream)
    this.#apply(this.call ?? call)
    void this.#watchFirstFrame(pc).catch(() => undefined)
  }

  #queueSignal(signal: CallSignal): void {
    this.#signals = this.#signals
      .then(() => this.#handleSignal(signal))
      .catch(async (error) => {
        await this.#fail(describe(error))
      })
  }

  async #handleSignal(signal: CallSignal): Promise<void> {
    const pc = this.#pc
    if (pc === null || this.#closed) return
    switch (signal.kind) {
      case 'offer':
      case 'answer': {
        // Check 1: the SDP commits to the certificate bound in the encrypted signal (and, for an
        // offer, the one the node recorded from it).
        const inSdp = sdpFingerprint(signal.sdp)
        const bound = this.call?.remoteDtlsFingerprint ?? signal.dtlsFingerprint
        if (!sameFingerprint(inSdp, signal.dtlsFingerprint) || !sameFingerprint(inSdp, bound)) {
          await this.#fail(FINGERPRINT_MISMATCH_SDP)
          return
        }
        await pc.setRemoteDescription({ type: signal.kind, sdp: signal.sdp })
        this.timings.remoteAppliedAt = Date.now()
        this.#remoteSet = true
        for (const c of this.#remoteIce.splice(0))
          await pc.addIceCandidate(c).catch(() => undefined)
        if (signal.kind === 'offer') {
          await pc.setLocalDescription(passiveAnswer(await pc.createAnswer()))
          await this.#sendLocalDescription('answer')
        }
        return
      }
      case 'ice': {
        const candidate: RTCIceCandidateInit = {
          candidate: signal.candidate,
          sdpMid: signal.sdpMid,
          sdpMLineIndex: signal.sdpMLineIndex,
        }
        if (this.#remoteSet) await pc.addIceCandidate(candidate).catch(() => undefined)
        else this.#remoteIce.push(candidate)
        return
      }
      default:
        return
    }
  }

  /** Waits (bounded) for ICE gathering, then hands our SDP and its fingerprint to the node. */
  async #sendLocalDescription(kind: 'offer' | 'answer'): Promise<void> {
    const pc = this.#pc!
    await gathered(pc, GATHER_WAIT_MS)
    const sdp = pc.localDescription?.sdp ?? ''
    this.#localSent = true
    this.timings.localSentAt = Date.now()
    const fingerprint = sdpFingerprint(sdp)
    if (fingerprint === null) throw new Error('Our own connection data has no DTLS fingerprint.')
    const bound = this.#options.boundFingerprint?.(fingerprint) ?? fingerprint
    await request(this.client, {
      type: 'call.signal',
      callId: this.callId,
      signal: { kind, sdp, dtlsFingerprint: bound },
    })
  }

  /** Check 2, then tell the node the call is up. */
  async #connected(pc: RTCPeerConnection): Promise<void> {
    // Check 1 ran before the SDP was applied, and the handshake verified the certificate against
    // that SDP: the call is up. Check 2 follows without holding it up.
    await this.client
      .request({
        type: 'call.signal',
        callId: this.callId,
        signal: { kind: 'media', state: 'connected', detail: null },
      })
      .catch(() => undefined)
    const bound = this.call?.remoteDtlsFingerprint ?? null
    // Chromium may list the remote certificate a while after `connected` (seen with DTLS 1.3).
    let presented: string | null = null
    for (let i = 0; presented === null && i < CERTIFICATE_POLLS && !this.#closed; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, CERTIFICATE_POLL_MS))
      presented = (await presentedCertificate(pc)) ?? (await transportCertificate(pc, bound))
    }
    this.#certificate.value = presented
    if (this.#closed) return
    if (presented === null) {
      // The transport stats never named the contact's certificate: say so instead of failing
      // (the handshake checked it against the SDP fingerprint, which check 1 matched).
      this.#certificateCheck.value = 'unreported'
    } else if (!sameFingerprint(presented, bound)) {
      await this.#fail(FINGERPRINT_MISMATCH_CERT)
    } else {
      this.#certificateCheck.value = 'matched'
    }
  }

  /** Records when the first remote frame (audio packet for audio calls) was decoded. */
  async #watchFirstFrame(pc: RTCPeerConnection): Promise<void> {
    const video = this.call?.media === 'video'
    while (!this.#closed && this.timings.firstFrameAt === null) {
      const report = await pc.getStats()
      report.forEach(
        (s: { type?: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
          if (s.type !== 'inbound-rtp') return
          const got = video
            ? s.kind === 'video' && (s.framesDecoded ?? 0) > 0
            : s.kind === 'audio' && (s.packetsReceived ?? 0) > 0
          if (got && this.timings.firstFrameAt === null) this.timings.firstFrameAt = Date.now()
        },
      )
      await new Promise((r) => setTimeout(r, FIRST_FRAME_POLL_MS))
    }
  }

  async #fail(sentence: string): Promise<void> {
    if (this.#closed) return
    this.#error.value = sentence
    await this.client
      .request({
        type: 'call.signal',
        callId: this.callId,
        signal: { kind: 'media', state: 'failed', detail: sentence.slice(0, 1_000) },
      })
      .catch(() => undefined)
    this.#close()
  }

  #close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#unsubscribe?.()
    this.#unsubscribe = null
    for (const track of this.localStream?.getTracks() ?? []) track.stop()
    this.#pc?.close()
  }
}

function describe(error: unknown): string {
  if (error instanceof Error && 'userText' in error) return String(error.userText)
  if (error instanceof DOMException && error.name === 'NotAllowedError')
    return 'Hestia may not use your microphone or camera. Allow it in the browser and call again.'
  if (error instanceof DOMException && error.name === 'NotFoundError')
    return 'No microphone or camera was found.'
  return error instanceof Error ? error.message : String(error)
}
