/** Client API area "calls": the current call, start, answer, end, mute, camera, signalling. */
import { ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerCalls } from '../calls.ts'
import type { Running } from './running.ts'

export function callHandlers(
  running: Running<{ calls: MessengerCalls }>,
): HandlersFor<
  | 'call.current'
  | 'call.start'
  | 'call.accept'
  | 'call.decline'
  | 'call.hangUp'
  | 'call.setMuted'
  | 'call.setCamera'
  | 'call.signal'
> {
  const calls = async () => (await running()).calls
  return {
    'call.current': async () => ok({ call: (await calls()).current() }),
    'call.start': async (r) => (await calls()).start(r.conversationId, r.media),
    'call.accept': async (r) => (await calls()).accept(r.callId),
    'call.decline': async (r) => (await calls()).decline(r.callId),
    'call.hangUp': async (r) => (await calls()).hangUp(r.callId),
    'call.setMuted': async (r) => (await calls()).setMuted(r.callId, r.muted),
    'call.setCamera': async (r) => (await calls()).setCamera(r.callId, r.cameraOn),
    'call.signal': async (r) => (await calls()).signal(r.callId, r.signal),
  }
}
