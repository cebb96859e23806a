// What the call window and the call button say. Plain strings, rendered as text.
import type { CallEndReason, CallInfo } from '@hestia/core/client/api.ts'

/** Shown where the user starts a call (the seed's metadata list: calls expose IP addresses). */
export const IP_EXPOSURE_NOTICE = 'A direct call reveals your IP address to your contact.'
/** The same fact for the person answering (issue 23: only the caller was told). */
export const IP_EXPOSURE_ANSWER_NOTICE =
  'Answering starts a direct call, which reveals your IP address to your contact.'

export const CALL_END_TEXT: Readonly<Record<CallEndReason, string>> = {
  hangup: 'Call ended',
  remote_hangup: 'Call ended by your contact',
  declined: 'Call declined',
  missed: 'No answer',
  busy: 'Your contact is in another call',
  failed: 'Call failed',
  key_changed: 'Call ended: your contact’s key changed or they are blocked',
  answered_elsewhere: 'Answered on another device',
}

export function callStateText(call: CallInfo | null, loaded: boolean): string {
  if (call === null) return loaded ? 'This call has ended.' : 'Loading the call…'
  switch (call.state) {
    case 'outgoing_ringing':
      return 'Ringing…'
    case 'incoming_ringing':
      return call.media === 'video' ? 'Incoming video call' : 'Incoming voice call'
    case 'connecting':
      return 'Connecting…'
    case 'active':
      return 'In call'
    case 'ended':
      return CALL_END_TEXT[call.endReason ?? 'hangup']
  }
}

/** Why the call buttons are disabled for this contact, or null when calling is allowed. */
export function callDisabledReason(trust: string, name: string): string | null {
  if (trust === 'key_changed')
    return `${name}’s key changed. Verify or accept the new key before calling.`
  if (trust === 'blocked') return `You blocked ${name}. Unblock them to call.`
  return null
}
