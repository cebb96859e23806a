/**
 * Where our own devices read (issue 19, ADR 0762): this device's own-devices mailbox as a deposit
 * address (kind 1 route, sent at each companion start and handed over in a link grant), the route
 * a linked device announced (kept on its link), and the frames for a linked device whose mailbox
 * is not announced yet — kept in memory and sent once it announces. Bounded per device by count
 * and bytes (the oldest dropped first, logged as `limit_exceeded`), freed when the device is
 * removed or its link forgotten (review 11 F6: a companion that never announces held up to
 * 200 history chunks for good), lost on a restart.
 */
import { ProtocolError } from '../../wire/errors.ts'
import { changeSecrets, type MessengerContext } from '../context.ts'
import type { MailboxManager } from '../mailbox-manager.ts'
import { decodeOutbound, encodeOutbound } from '../records.ts'
import type { OwnLink } from '../secrets.ts'

/** Frames kept per linked device until it announced its mailbox (memory only). */
export const MAX_UNROUTED = 200
/**
 * Bytes of frame bodies kept per linked device: a few lists, settings and sent copies fit many
 * times over; 200 history chunks (48 KiB each) would not.
 */
export const MAX_UNROUTED_BYTES = 1024 * 1024

export interface OwnRoutesDeps {
  ctx(): MessengerContext
  relays(): string[]
  mailboxes(): Pick<MailboxManager, 'open' | 'watch' | 'helloFor' | 'newMailboxId'>
}

/** A frame waiting for its device's mailbox. */
export interface Unrouted {
  kind: number
  body: Uint8Array
}

interface Held {
  /** Oldest first. */
  frames: Unrouted[]
  bytes: number
}

/** What taking a device's announcement (kind 1) leaves to the channel. */
export type Announced = { removed: true } | { removed: false; link: OwnLink; waiting: Unrouted[] }

export class OwnRoutes {
  readonly #d: OwnRoutesDeps
  /** Frames for a linked device whose mailbox is not known yet (sent when it announces it). */
  readonly #unrouted = new Map<string, Held>()

  constructor(deps: OwnRoutesDeps) {
    this.#d = deps
  }

  /** Our own-devices mailbox as a deposit address (opened on our first relay when missing). */
  async route(): Promise<Uint8Array> {
    const relays = this.#d.relays()
    const home = relays[0]
    if (home === undefined) throw new Error('no relay of ours')
    const ctx = this.#d.ctx()
    const mailboxes = this.#d.mailboxes()
    let id = ctx.secrets.ownMailbox
    if (id === undefined) {
      const fresh = mailboxes.newMailboxId()
      await mailboxes.open(fresh, home, null)
      await changeSecrets(ctx, (s) => (s.ownMailbox = fresh))
      mailboxes.watch(fresh, home)
      id = fresh
    }
    return encodeOutbound(mailboxes.helloFor(id, relays, true))
  }

  /**
   * The link to `given`'s device as stored now (a caller may hold one from before the device
   * announced its mailbox: a history transfer started then would keep its later frames unrouted
   * for good) with its deposit address; null when it has not announced one yet — then the frame
   * is kept until it does (at most MAX_UNROUTED frames and MAX_UNROUTED_BYTES per device), unless
   * the device was removed or its link forgotten: then it goes nowhere.
   */
  routeOrKeep(given: OwnLink, kind: number, body: Uint8Array) {
    const ctx = this.#d.ctx()
    const stored = ctx.secrets.ownLinks?.find((l) => l.deviceId === given.deviceId)
    const link = stored ?? given
    const route = link.route === undefined ? null : decodeOutbound(link.route)
    if (route !== null) return { link, route }
    // Removed or forgotten (a history transfer may still be sending): it would wait for good.
    if (stored !== undefined && stored.removed !== true) this.#keep(link.deviceId, { kind, body })
    return null
  }

  /** Frames and bytes kept for devices not announced yet (tests, diagnostics). */
  held(deviceId?: string): { frames: number; bytes: number } {
    const all =
      deviceId === undefined ? [...this.#unrouted.values()] : [this.#unrouted.get(deviceId)]
    return all.reduce(
      (sum, h) => ({
        frames: sum.frames + (h?.frames.length ?? 0),
        bytes: sum.bytes + (h?.bytes ?? 0),
      }),
      { frames: 0, bytes: 0 },
    )
  }

  /** The device was removed or its link forgotten: nothing kept for it goes anywhere now. */
  forget(deviceId: string): void {
    this.#unrouted.delete(deviceId)
  }

  #keep(deviceId: string, frame: Unrouted): void {
    const held = this.#unrouted.get(deviceId) ?? { frames: [], bytes: 0 }
    held.frames.push(frame)
    held.bytes += frame.body.length
    let dropped = 0
    while (held.frames.length > MAX_UNROUTED || held.bytes > MAX_UNROUTED_BYTES) {
      held.bytes -= held.frames.shift()!.body.length
      dropped++
    }
    this.#unrouted.set(deviceId, held)
    if (dropped === 0) return
    const err = new ProtocolError(
      'limit_exceeded',
      `more than ${MAX_UNROUTED} frames or ${MAX_UNROUTED_BYTES} bytes wait for its mailbox`,
    )
    this.#d.ctx().log(`frames for ${deviceId} (not announced): ${dropped} oldest dropped`, err)
  }

  /**
   * A device announced its mailbox (kind 1 from `sender`, whose link is `link`): stored on its
   * link. Removed before it announced itself, or while it did (judged on the links as stored now,
   * not as they were when the frame came): `removed`, and what waited for it is dropped.
   * Otherwise the frames that waited for it, handed over once. Throws ProtocolError for a body
   * that is not a deposit address; nothing changes then.
   */
  async take(sender: string, link: OwnLink, body: Uint8Array): Promise<Announced> {
    decodeOutbound(body) // a deposit address, or ProtocolError
    const ctx = this.#d.ctx()
    await changeSecrets(ctx, (s) => {
      s.ownLinks = (s.ownLinks ?? []).map((l) =>
        l.deviceId === sender ? { ...l, route: body } : l,
      )
    })
    const now = (ctx.secrets.ownLinks ?? []).find((l) => l.deviceId === sender)
    const waiting = this.#unrouted.get(sender)?.frames ?? []
    this.#unrouted.delete(sender)
    if (now === undefined || now.removed === true) return { removed: true }
    return { removed: false, link: { ...link, route: body }, waiting }
  }
}
