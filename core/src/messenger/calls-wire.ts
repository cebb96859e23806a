/**
 * Call signalling on the wire (docs/protocol/calls.md): the `call` body of a ChatPayload, its caps
 * and timings (the DTLS fingerprint helpers the node and the call window share are in
 * core/src/client/call-fingerprint.ts). Every decoder
 * returns a checked value or throws one ProtocolError; a field a kind does not use must be empty.
 */
import { ProtocolError } from '../wire/errors.ts'
import { requireBytes } from '../wire/decode.ts'
import { KiB } from '../wire/caps.ts'
import type { CallSignal as CallSignalWire } from './messenger.pb.js'
import type { CallMedia } from '../client/api.ts'
import { FINGERPRINT_MAX_CHARS, normalizeFingerprint } from '../client/call-fingerprint.ts'

// The fingerprint helpers live in the client API (the call window uses them too); the messenger's
// call code and tests keep importing them from here.
export {
  normalizeFingerprint,
  sameFingerprint,
  sdpFingerprint,
} from '../client/call-fingerprint.ts'

export const CALL_LIMITS = {
  callIdBytes: 16,
  /** An offer or answer SDP in UTF-8 bytes (Chrome's audio+video offer with candidates ~6 KiB). */
  sdpBytes: 32 * KiB,
  fingerprintChars: FINGERPRINT_MAX_CHARS,
  /** ICE candidates in one `ice` signal. */
  candidatesPerSignal: 16,
  candidateBytes: 2 * KiB,
  sdpMidBytes: 64,
  mlineIndexMax: 64,
  /**
   * Remote ICE candidates a ringing call holds for the window until the user accepts (review rf
   * RF-6): a browser gathers a few dozen (host, srflx and relay per interface), so 64 leaves room;
   * the rest is dropped, else a contact could pile up megabytes during the 45 s ring.
   */
  ringingCandidates: 64,
} as const

export const CALL_TIMING = {
  /** An unanswered call ends as missed after this long (both sides run the timer). */
  ringMs: 45_000,
  /** From the answer to the media connection; longer means the call failed. */
  connectMs: 30_000,
  /**
   * An offer whose sent_at is older than ringMs plus this margin (clock skew, mailbox delay) is not
   * rung: it is recorded as a missed call. Signalling is never queued in the outbox.
   */
  staleMarginMs: 15_000,
  /** A signal is tried this often (direct, then mailbox) before the call gives up on sending. */
  sendAttempts: 3,
  /**
   * Rate limit of rings (review rf RF-7, calls-ring-limit.ts): after this many rings of one contact
   * ended unanswered within ringBurstWindowMs, its next offers are recorded as missed, not rung.
   */
  ringBurst: 3,
  ringBurstWindowMs: 60_000,
} as const

export const CALL_SIGNAL_KIND = {
  offer: 1,
  answer: 2,
  ice: 3,
  hangup: 4,
  decline: 5,
  busy: 6,
} as const
export const CALL_MEDIA_CODE = { audio: 1, video: 2 } as const
/**
 * `answered_elsewhere` (issue 19, ADR 0765): the caller tells every device of the callee which
 * answer it took (by that answer's DTLS fingerprint); the others stop ringing.
 */
export const HANGUP_REASON = { hangup: 1, failed: 2, answered_elsewhere: 3 } as const

export interface CallIceCandidate {
  candidate: string
  sdpMid: string | null
  sdpMLineIndex: number | null
}

/** One call signal as the node handles it (callId: 16 random bytes chosen by the caller). */
export type CallWireSignal =
  | { kind: 'offer'; callId: Uint8Array; media: CallMedia; sdp: string; dtlsFingerprint: string }
  | { kind: 'answer'; callId: Uint8Array; sdp: string; dtlsFingerprint: string }
  /** No candidates: the sender has no more (end of candidates). */
  | { kind: 'ice'; callId: Uint8Array; candidates: CallIceCandidate[] }
  | { kind: 'hangup'; callId: Uint8Array; reason: 'hangup' | 'failed' }
  /** The caller took the answer with this fingerprint; every other device of the callee stops. */
  | {
      kind: 'hangup'
      callId: Uint8Array
      reason: 'answered_elsewhere'
      dtlsFingerprint: string
    }
  | { kind: 'decline'; callId: Uint8Array }
  | { kind: 'busy'; callId: Uint8Array }

const utf8 = new TextEncoder()
/** The protobuf message for a signal (all unused fields at their defaults: canonical). */
export function encodeCallSignal(s: CallWireSignal): CallSignalWire {
  const base: CallSignalWire = {
    callId: new Uint8Array(s.callId),
    kind: CALL_SIGNAL_KIND[s.kind],
    media: 0,
    sdp: '',
    dtlsFingerprint: '',
    candidates: [],
    reason: 0,
  }
  switch (s.kind) {
    case 'offer':
      return {
        ...base,
        media: CALL_MEDIA_CODE[s.media],
        sdp: s.sdp,
        dtlsFingerprint: s.dtlsFingerprint,
      }
    case 'answer':
      return { ...base, sdp: s.sdp, dtlsFingerprint: s.dtlsFingerprint }
    case 'ice':
      return {
        ...base,
        candidates: s.candidates.map((c) => ({
          candidate: c.candidate,
          ...(c.sdpMid !== null ? { sdpMid: c.sdpMid } : {}),
          ...(c.sdpMLineIndex !== null ? { sdpMlineIndex: c.sdpMLineIndex } : {}),
        })),
      }
    case 'hangup':
      return {
        ...base,
        reason: HANGUP_REASON[s.reason],
        dtlsFingerprint: s.reason === 'answered_elsewhere' ? s.dtlsFingerprint : '',
      }
    default:
      return base
  }
}

/** Checks a decoded CallSignal message; throws ProtocolError ('malformed' / 'oversize' / …). */
export function checkCallSignal(raw: CallSignalWire): CallWireSignal {
  const callId = requireBytes(raw.callId, 'call call_id', { exact: CALL_LIMITS.callIdBytes })
  const kind = kindName(raw.kind)
  const uses = {
    media: kind === 'offer',
    sdp: kind === 'offer' || kind === 'answer',
    // answered_elsewhere names the answer the caller took; no other hangup carries a fingerprint.
    fingerprint: kind === 'hangup' && raw.reason === HANGUP_REASON.answered_elsewhere,
    candidates: kind === 'ice',
    reason: kind === 'hangup',
  }
  if (!uses.media && raw.media !== 0) unused('media', kind)
  if (!uses.sdp && raw.sdp !== '') unused('sdp', kind)
  if (!uses.sdp && !uses.fingerprint && raw.dtlsFingerprint !== '') unused('sdp', kind)
  if (!uses.candidates && raw.candidates.length > 0) unused('candidates', kind)
  if (!uses.reason && raw.reason !== 0) unused('reason', kind)
  switch (kind) {
    case 'offer': {
      const media =
        raw.media === CALL_MEDIA_CODE.audio
          ? 'audio'
          : raw.media === CALL_MEDIA_CODE.video
            ? 'video'
            : null
      if (media === null) throw new ProtocolError('malformed', 'call offer: unknown media')
      return { kind, callId, media, ...sdpAndFingerprint(raw, kind) }
    }
    case 'answer':
      return { kind, callId, ...sdpAndFingerprint(raw, kind) }
    case 'ice': {
      if (raw.candidates.length > CALL_LIMITS.candidatesPerSignal) {
        throw new ProtocolError(
          'limit_exceeded',
          `call ice: at most ${CALL_LIMITS.candidatesPerSignal} candidates`,
        )
      }
      return { kind, callId, candidates: raw.candidates.map(checkCandidate) }
    }
    case 'hangup':
      return checkHangup(raw, callId)
    default:
      return { kind, callId }
  }
}

function checkHangup(raw: CallSignalWire, callId: Uint8Array): CallWireSignal {
  if (raw.reason === HANGUP_REASON.hangup) return { kind: 'hangup', callId, reason: 'hangup' }
  if (raw.reason === HANGUP_REASON.failed) return { kind: 'hangup', callId, reason: 'failed' }
  if (raw.reason !== HANGUP_REASON.answered_elsewhere) {
    throw new ProtocolError('malformed', 'call hangup: unknown reason')
  }
  const fp = normalizeFingerprint(raw.dtlsFingerprint)
  if (fp === null) {
    throw new ProtocolError('malformed', 'call hangup: answered_elsewhere names no fingerprint')
  }
  return { kind: 'hangup', callId, reason: 'answered_elsewhere', dtlsFingerprint: fp }
}

function kindName(code: number): CallWireSignal['kind'] {
  for (const [name, value] of Object.entries(CALL_SIGNAL_KIND)) {
    if (value === code) return name as CallWireSignal['kind']
  }
  throw new ProtocolError('malformed', `call signal: unknown kind ${code}`)
}

function unused(field: string, kind: string): never {
  throw new ProtocolError('malformed', `call ${kind}: ${field} must be empty`)
}

function sdpAndFingerprint(
  raw: CallSignalWire,
  kind: string,
): { sdp: string; dtlsFingerprint: string } {
  if (raw.sdp.length === 0) throw new ProtocolError('malformed', `call ${kind}: empty sdp`)
  if (utf8.encode(raw.sdp).length > CALL_LIMITS.sdpBytes) {
    throw new ProtocolError('oversize', `call ${kind}: sdp longer than ${CALL_LIMITS.sdpBytes} B`)
  }
  const fp = normalizeFingerprint(raw.dtlsFingerprint)
  if (fp === null) {
    throw new ProtocolError('malformed', `call ${kind}: dtls_fingerprint is not a fingerprint`)
  }
  return { sdp: raw.sdp, dtlsFingerprint: fp }
}

function checkCandidate(c: CallSignalWire['candidates'][number]): CallIceCandidate {
  if (utf8.encode(c.candidate).length > CALL_LIMITS.candidateBytes) {
    throw new ProtocolError('oversize', 'call ice: candidate too long')
  }
  if (c.sdpMid !== undefined && utf8.encode(c.sdpMid).length > CALL_LIMITS.sdpMidBytes) {
    throw new ProtocolError('oversize', 'call ice: sdp_mid too long')
  }
  if (c.sdpMlineIndex !== undefined && c.sdpMlineIndex > CALL_LIMITS.mlineIndexMax) {
    throw new ProtocolError('malformed', 'call ice: sdp_mline_index out of range')
  }
  return {
    candidate: c.candidate,
    sdpMid: c.sdpMid ?? null,
    sdpMLineIndex: c.sdpMlineIndex ?? null,
  }
}
