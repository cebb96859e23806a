/**
 * "Declined on <device>" (issue 19, ADR 0787): when the user declines an incoming call or file
 * offer on one device, that device tells our other devices over the own-device link (kind 11), so
 * they show precisely where it was declined instead of a missed call or an offer left open.
 *
 *   declined (kind 11) = subject (1 B: 1 call, 2 file) || id (16 B: call id, transfer id)
 *                        || the declining device's PeerId bytes (1..64 B)
 *
 * The device named is looked up in our own device list (its name there); the primary passes a
 * companion's frame on unchanged, so the name stays the decliner's. A device applies it once: what
 * it ends because of it is not told back (`AppliedDeclines`: only calls that were ringing here and
 * were ended by the frame, each kept until its own end comes back, at most DECLINE_ECHO_MS and
 * MAX_APPLIED_DECLINES; an offer ended that way carries `declinedOn` and is never told back).
 */
import type { ClientEvent } from '../../client/api.ts'
import { concatBytes, fromHex, toHex } from '../../crypto/bytes.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { markDeclinedOn } from '../call-history.ts'
import type { MessengerContext } from '../context.ts'
import { ourDeviceName } from '../files-devices.ts'
import { deviceIdOf, peerIdBytes, peerIdOf } from '../net.ts'
import { fromBase64Url, toBase64Url } from '../records.ts'

const SUBJECT = { call: 1, file: 2 } as const
const ID_BYTES = 16
const MAX_PEER_ID_BYTES = 64
/** How long a call ended here by another device's decline waits for its own end event. */
export const DECLINE_ECHO_MS = 60_000
/** Calls ended that way remembered at once (the oldest is forgotten first). */
export const MAX_APPLIED_DECLINES = 32

/**
 * Calls this device ended because another device of ours declined them, so that their end here
 * is not told back as a decline of ours. The end follows the hang-up at once; an id whose end never
 * came (the call had ended otherwise) is forgotten after DECLINE_ECHO_MS, and the set is bounded.
 */
export class AppliedDeclines {
  readonly #clock: () => number
  /** Call id → when it was ended here, oldest first. */
  readonly #at = new Map<string, number>()

  constructor(clock: () => number) {
    this.#clock = clock
  }

  add(id: string): void {
    this.#prune()
    this.#at.delete(id)
    this.#at.set(id, this.#clock())
    for (const oldest of this.#at.keys()) {
      if (this.#at.size <= MAX_APPLIED_DECLINES) break
      this.#at.delete(oldest)
    }
  }

  /** Whether `id` was ended here by another device's decline (then forgotten). */
  take(id: string): boolean {
    this.#prune()
    return this.#at.delete(id)
  }

  get size(): number {
    this.#prune()
    return this.#at.size
  }

  #prune(): void {
    const oldest = this.#clock() - DECLINE_ECHO_MS
    for (const [id, at] of this.#at) {
      if (at > oldest) break
      this.#at.delete(id)
    }
  }
}

export interface Declined {
  subject: 'call' | 'file'
  /** The call id (base64url) or transfer id (hex), as the client API names them. */
  id: string
  /** The device that declined (PeerId string). */
  deviceId: string
}

export function encodeDeclined(d: Declined): Uint8Array {
  const id = d.subject === 'call' ? fromBase64Url(d.id) : fromHex(d.id)
  if (id.length !== ID_BYTES) throw new RangeError('declined: the id is not 16 bytes')
  return concatBytes(new Uint8Array([SUBJECT[d.subject]]), id, peerIdBytes(peerIdOf(d.deviceId)))
}

export function decodeDeclined(body: Uint8Array): Declined {
  const peer = body.subarray(1 + ID_BYTES)
  if (peer.length === 0 || peer.length > MAX_PEER_ID_BYTES)
    throw new ProtocolError('malformed', 'declined: wrong size')
  const subject = body[0] === SUBJECT.call ? 'call' : body[0] === SUBJECT.file ? 'file' : null
  if (subject === null) throw new ProtocolError('malformed', 'declined: unknown subject')
  const id = body.subarray(1, 1 + ID_BYTES)
  let deviceId: string
  try {
    deviceId = deviceIdOf(peer)
  } catch (err) {
    throw new ProtocolError('malformed', 'declined: not a PeerId', { cause: err })
  }
  return { subject, id: subject === 'call' ? toBase64Url(id) : toHex(id), deviceId }
}

/** A decline the user made here, from our client events; null for anything else. */
export function declinedHere(ctx: MessengerContext, event: ClientEvent): Declined | null {
  const me = ctx.local.deviceId
  if (
    event.type === 'call.updated' &&
    event.call.direction === 'in' &&
    event.call.state === 'ended' &&
    event.call.endReason === 'declined'
  )
    return { subject: 'call', id: event.call.callId, deviceId: me }
  if (
    event.type === 'transfer.updated' &&
    event.transfer.direction === 'in' &&
    event.transfer.state === 'declined' &&
    event.transfer.declinedOn === undefined
  )
    return { subject: 'file', id: event.transfer.transferId, deviceId: me }
  return null
}

export interface DeclineTargets {
  /** The ringing call, if any, and a way to end it as declined. */
  calls?: { current(): { callId: string } | null; hangUp(callId: string): Promise<unknown> }
  files?: { declinedElsewhere(transferId: string, deviceName: string): Promise<unknown> } | null
}

/** Applies a decline made on another device of ours. `applied` gets the call it ended here. */
export async function applyDeclined(
  ctx: MessengerContext,
  body: Uint8Array,
  targets: DeclineTargets,
  applied: Pick<AppliedDeclines, 'add'>,
): Promise<Declined> {
  const d = decodeDeclined(body)
  if (d.deviceId === ctx.local.deviceId) return d
  const name = await ourDeviceName(ctx, d.deviceId)
  if (d.subject === 'file') {
    // Ended with declinedOn set, which declinedHere never tells back: nothing to remember.
    await targets.files?.declinedElsewhere(d.id, name)
    return d
  }
  // Still ringing here: it stops (the caller already has the decline; a second one is ignored).
  const calls = targets.calls
  if (calls?.current()?.callId === d.id) {
    applied.add(d.id) // before the hang-up, whose end event comes back to onEvent
    await calls.hangUp(d.id)
  }
  await markDeclinedOn(ctx, d.id, name)
  return d
}
