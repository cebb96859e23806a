/** Client API area "calls": the current call, start, answer, end, mute, camera, signalling. */
import { fail, ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerCalls } from '../calls.ts'
import type { CallIceServers } from '../call-ice-servers.ts'
import type { MessengerSettings } from '../settings.ts'
import type { Running } from './running.ts'

/**
 * Call media flow directly between the browsers (WebRTC, ADR 1001): in relay-only mode (ADR 0752)
 * that would show the contact our address, so calls are neither started nor answered.
 */
const RELAY_ONLY_NO_CALLS = fail(
  'invalid_state',
  'Calls connect directly and would show your IP address to your contact. Turn off “Relay only” in Settings to call.',
)

export function callHandlers(
  running: Running<{ calls: MessengerCalls; callIce: CallIceServers; settings: MessengerSettings }>,
): HandlersFor<
  | 'call.current'
  | 'call.iceServers'
  | 'call.start'
  | 'call.accept'
  | 'call.decline'
  | 'call.hangUp'
  | 'call.setMuted'
  | 'call.setCamera'
  | 'call.signal'
> {
  const calls = async () => (await running()).calls
  const relayOnly = async () => (await running()).settings.current.relayOnly
  return {
    'call.current': async () => ok({ call: (await calls()).current() }),
    // Asking a relay for TURN is itself a call's first step: none in relay-only mode.
    'call.iceServers': async () =>
      (await relayOnly())
        ? RELAY_ONLY_NO_CALLS
        : ok({ iceServers: await (await running()).callIce.current() }),
    'call.start': async (r) =>
      (await relayOnly()) ? RELAY_ONLY_NO_CALLS : (await calls()).start(r.conversationId, r.media),
    'call.accept': async (r) =>
      (await relayOnly()) ? RELAY_ONLY_NO_CALLS : (await calls()).accept(r.callId),
    'call.decline': async (r) => (await calls()).decline(r.callId),
    'call.hangUp': async (r) => (await calls()).hangUp(r.callId),
    'call.setMuted': async (r) => (await calls()).setMuted(r.callId, r.muted),
    'call.setCamera': async (r) => (await calls()).setCamera(r.callId, r.cameraOn),
    'call.signal': async (r) => (await calls()).signal(r.callId, r.signal),
  }
}
