/**
 * Own-device frames that name something this device does not hold yet (issue 19, review F6,
 * ADR 0793). A delivery state (kind 6) or a read state (kind 4) can overtake what stores the
 * message here: the sent copy (kind 2) or the forwarded copy (kind 18) still in the own-devices
 * mailbox while the state came over the direct path, or the contact's own message still in a
 * contact mailbox. A sent copy can overtake the contact state (kind 7, mailbox only) that creates
 * its contact on a companion. Such a frame waits here, in memory, and is applied once when the
 * message is stored (its `message.added` event) or the contact is (`contact.updated`), whichever
 * path stored it.
 *
 * Bounded: at most `WAITING_MAX_FRAMES` frames holding at most `WAITING_MAX_BYTES` of bodies, each
 * at most `WAITING_MAX_AGE_MS`. An older one is dropped when the next frame comes or something is
 * stored; a frame over the count or the bytes drops the oldest (logged as `limit_exceeded`).
 * Nothing waiting is applied twice: taking removes it. Lost on a restart (the next receipt or
 * read moves the state on).
 */
import type { ClientEvent } from '../../client/api.ts'
import { toBase64Url } from '../records.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'

/** Frames kept waiting for their message, per running messenger. */
export const WAITING_MAX_FRAMES = 1024
/** Bodies kept at most (a sent copy carries its text: up to a 64 KiB frame each). */
export const WAITING_MAX_BYTES = 4 * 1024 * 1024
/** How long a frame waits for its message (a mailbox behind a direct path lags by seconds). */
export const WAITING_MAX_AGE_MS = 10 * 60_000

/** What a frame waits for: a message by id, or a contact by identity key (base64url). */
export const messageRef = (messageId: string): string => `m:${messageId}`
export const contactRef = (identityKey: Uint8Array): string => `c:${toBase64Url(identityKey)}`

interface Waiting {
  /** What the frame waits for (messageRef, contactRef). */
  ref: string
  /** One frame per key: a later frame for the same key replaces it unless it ranks lower. */
  key: string
  rank: number
  at: number
  bytes: number
  apply(): Promise<unknown>
}

export class WaitingFrames {
  readonly #clock: () => number
  readonly #log: (message: string, err?: unknown) => void
  /** Oldest first. */
  #frames: Waiting[] = []

  constructor(clock: () => number, log: (message: string, err?: unknown) => void) {
    this.#clock = clock
    this.#log = log
  }

  get size(): number {
    return this.#frames.length
  }

  /** Whether a frame waits for `ref`. */
  has(ref: string): boolean {
    return this.#frames.some((w) => w.ref === ref)
  }

  /** Whether any frame waits for a contact (a contact event then reads the contact's key). */
  waitsForContacts(): boolean {
    return this.#frames.some((w) => w.ref.startsWith('c:'))
  }

  /**
   * Keeps `apply` until what `ref` names is stored. A frame with the same `key` already waiting
   * is replaced unless it ranks higher (a waiting "read" is not replaced by "delivered").
   */
  keep(ref: string, key: string, rank: number, apply: () => Promise<unknown>, bytes = 0): void {
    const now = this.#clock()
    this.#expire(now)
    const held = this.#frames.find((w) => w.key === key)
    if (held !== undefined && held.rank > rank) return
    this.#frames = this.#frames.filter((w) => w !== held)
    this.#frames.push({ ref, key, rank, at: now, apply, bytes })
    let over = Math.max(0, this.#frames.length - WAITING_MAX_FRAMES)
    let kept = this.#frames.slice(over).reduce((sum, w) => sum + w.bytes, 0)
    while (kept > WAITING_MAX_BYTES && over < this.#frames.length - 1)
      kept -= this.#frames[over++]!.bytes
    if (over === 0) return
    this.#frames = this.#frames.slice(over)
    const err = new ProtocolError(
      'limit_exceeded',
      `more than ${WAITING_MAX_FRAMES} frames or ${WAITING_MAX_BYTES} bytes wait`,
    )
    this.#log(`own-device frames waiting for a message: ${over} dropped`, err)
  }

  /** What waited for `ref`, oldest first; taken, so it is applied once. */
  take(ref: string): Waiting[] {
    this.#expire(this.#clock())
    if (!this.has(ref)) return []
    const taken = this.#frames.filter((w) => w.ref === ref)
    this.#frames = this.#frames.filter((w) => w.ref !== ref)
    return taken
  }

  #expire(now: number): void {
    const cut = now - WAITING_MAX_AGE_MS
    if (this.#frames.length === 0 || this.#frames[0]!.at >= cut) return
    const kept = this.#frames.filter((w) => w.at >= cut)
    const expired = this.#frames.length - kept.length
    this.#frames = kept
    const err = new ProtocolError('expired', `no message within ${WAITING_MAX_AGE_MS} ms`)
    this.#log(`own-device frames waiting for a message: ${expired} dropped`, err)
  }
}

/** One set per messenger context (a context lives for one run of the messenger). */
const perContext = new WeakMap<MessengerContext, WaitingFrames>()

export function waitingFrames(ctx: MessengerContext): WaitingFrames {
  let waiting = perContext.get(ctx)
  if (waiting === undefined) {
    waiting = new WaitingFrames(
      () => ctx.platform.clock(),
      (message, err) => ctx.log(message, err),
    )
    perContext.set(ctx, waiting)
  }
  return waiting
}

/**
 * Our client events: a message or a contact stored here (by any path) applies what waited for
 * it, in the order it came. Called for every event; a message's frames are taken synchronously,
 * so a frame kept inside a transaction that did not find the message is taken by the event of the
 * one that stored it (a contact's event comes after its transaction and a read, later still).
 */
export function applyWaiting(ctx: MessengerContext, event: ClientEvent): void {
  const waiting = perContext.get(ctx)
  if (waiting === undefined || waiting.size === 0) return
  if (event.type === 'message.added')
    void applyAll(ctx, waiting.take(messageRef(event.message.messageId)))
  else if (event.type === 'contact.updated' && waiting.waitsForContacts())
    void ctx.store.getContact(event.contact.contactId).then(
      (c) =>
        c === undefined ? undefined : applyAll(ctx, waiting.take(contactRef(c.identityPublicKey))),
      (err: unknown) => ctx.log('a waiting own-device frame failed', err),
    )
}

async function applyAll(ctx: MessengerContext, waiting: readonly Waiting[]): Promise<void> {
  for (const w of waiting)
    await w.apply().catch((err: unknown) => ctx.log('a waiting own-device frame failed', err))
}
