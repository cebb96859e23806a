/**
 * Calls (issue 8): states, end reasons, call info and signalling.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import type { CallId, ContactId, ConversationId, Timestamp } from './scalars.ts'
import type { CallMedia, MessageDirection } from './contacts.ts'

export const CALL_STATES = [
  'outgoing_ringing',
  'incoming_ringing',
  'connecting',
  'active',
  'ended',
] as const
export type CallState = (typeof CALL_STATES)[number]

export const CALL_END_REASONS = [
  'hangup',
  'remote_hangup',
  'declined',
  'missed',
  'busy',
  'failed',
  'key_changed',
  /** Another device of ours answered this call (issue 19: a call rings on every device). */
  'answered_elsewhere',
] as const
export type CallEndReason = (typeof CALL_END_REASONS)[number]

export interface CallInfo {
  callId: CallId
  conversationId: ConversationId
  contactId: ContactId
  direction: MessageDirection
  media: CallMedia
  state: CallState
  muted: boolean
  cameraOn: boolean
  startedAt: Timestamp
  connectedAt: Timestamp | null
  endedAt: Timestamp | null
  endReason: CallEndReason | null
  /** DTLS fingerprints bound into the E2EE signalling (shown in the call window), null until known. */
  localDtlsFingerprint: string | null
  remoteDtlsFingerprint: string | null
}

/**
 * WebRTC signalling between the call window and the node; the node carries it E2EE
 * (docs/protocol/calls.md). Offers and answers name the DTLS fingerprint (`a=fingerprint`, e.g.
 * "sha-256 AB:CD:…") the sender's window took from its own SDP: it is bound into the encrypted
 * signal, and the receiving window refuses media whose SDP or certificate does not match it.
 * `media` goes from the window to the node only: the media connection came up (the call is
 * active) or failed (the node ends the call with reason `failed` and tells the contact).
 */
export type CallSignal =
  | { kind: 'offer'; sdp: string; dtlsFingerprint: string }
  | { kind: 'answer'; sdp: string; dtlsFingerprint: string }
  | { kind: 'ice'; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }
  | { kind: 'ice_end' }
  | { kind: 'media'; state: 'connected' | 'failed'; detail: string | null }
