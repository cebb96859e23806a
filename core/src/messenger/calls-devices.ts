/**
 * A call to a contact with several devices (issue 19, ADR 0765): the offer reaches every listed
 * device (the outbox's per-device fan-out) and each rings. The caller takes the first answer and
 * names it — by its DTLS fingerprint — in a `hangup` with reason `answered_elsewhere` to all of the
 * callee's devices; every device whose own answer is not the one named stops, and the device that
 * was answered ignores it. A contact with one device (or no held list) sees no extra signal.
 */
import type { CallInfo } from '../client/api.ts'
import type { ContactRecord } from '../store/records.ts'
import { sameFingerprint } from './calls-wire.ts'
import { heldContactList } from './devices/contact-list.ts'

/** True when the contact's held device list names more than one device: a call rings on each. */
export function ringsOnSeveralDevices(contact: ContactRecord): boolean {
  return (heldContactList(contact)?.devices.length ?? 0) > 1
}

/**
 * Callee: the caller took the answer with fingerprint `taken`. True when this device's call ends
 * (it was still ringing, or its own answer is another one); false when the answer taken is ours.
 */
export function answeredElsewhere(info: CallInfo, taken: string): boolean {
  if (info.direction !== 'in' || info.state === 'ended') return false
  if (info.state === 'incoming_ringing') return true
  return !sameFingerprint(info.localDtlsFingerprint, taken)
}

/**
 * Caller: an answer arrived after one was taken. True when it came from another device of the
 * callee (another fingerprint), which must then be told that the call was answered elsewhere.
 */
export function lateAnswerFromAnotherDevice(info: CallInfo, fingerprint: string): boolean {
  return (
    info.direction === 'out' &&
    info.state !== 'outgoing_ringing' &&
    info.remoteDtlsFingerprint !== null &&
    !sameFingerprint(info.remoteDtlsFingerprint, fingerprint)
  )
}
