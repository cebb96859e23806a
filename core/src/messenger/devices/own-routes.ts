/**
 * Where our own devices read (issue 19, ADR 0762): this device's own-devices mailbox as a deposit
 * address (kind 1 route, sent at each companion start and handed over in a link grant), the route
 * a linked device announced (kept on its link), and the frames for a linked device whose mailbox
 * is not announced yet — kept in memory (bounded, lost on a restart) and sent once it announces.
 */
import { changeSecrets, type MessengerContext } from '../context.ts'
import type { MailboxManager } from '../mailbox-manager.ts'
import { decodeOutbound, encodeOutbound } from '../records.ts'
import type { OwnLink } from '../secrets.ts'

/** Frames kept per linked device until it announced its mailbox (memory only). */
export const MAX_UNROUTED = 200

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

/** What taking a device's announcement (kind 1) leaves to the channel. */
export type Announced = { removed: true } | { removed: false; link: OwnLink; waiting: Unrouted[] }

export class OwnRoutes {
  readonly #d: OwnRoutesDeps
  /** Frames for a linked device whose mailbox is not known yet (sent when it announces it). */
  readonly #unrouted = new Map<string, Unrouted[]>()

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
   * is kept until it does, at most MAX_UNROUTED per device.
   */
  routeOrKeep(given: OwnLink, kind: number, body: Uint8Array) {
    const ctx = this.#d.ctx()
    const link = ctx.secrets.ownLinks?.find((l) => l.deviceId === given.deviceId) ?? given
    const route = link.route === undefined ? null : decodeOutbound(link.route)
    if (route !== null) return { link, route }
    const waiting = this.#unrouted.get(link.deviceId) ?? []
    if (waiting.length < MAX_UNROUTED) waiting.push({ kind, body })
    this.#unrouted.set(link.deviceId, waiting)
    return null
  }

  /**
   * A device announced its mailbox (kind 1 from `sender`, whose link is `link`): stored on its
   * link. Removed before it announced itself, or while it did (judged on the links as stored now,
   * not as they were when the frame came): `removed`, and what waited for it is left waiting.
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
    if (now === undefined || now.removed === true) return { removed: true }
    const waiting = this.#unrouted.get(sender) ?? []
    this.#unrouted.delete(sender)
    return { removed: false, link: { ...link, route: body }, waiting }
  }
}
