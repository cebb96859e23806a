/**
 * Mailbox rotation (issue #18, ADR 0755). The mailbox a contact writes to gets a new id and new
 * keys (they derive from the id: secrets.ts) on a schedule and on demand; the new address travels
 * only inside the end-to-end channel, as a Hello with `reply: true`. The contact's inbox switches
 * when it reads that Hello and answers with a receipt through the new mailbox (inbox-payload.ts,
 * the same move as after an invite, ADR 0730). The old mailbox stays watched until then, plus a
 * grace for deposits that were already under way, is drained, and is closed at the relay
 * (ADR 0211); a contact that never comes back has it closed when the relay would forget it anyway.
 *
 * `rotate(contactId)` is the one entry point: the client request `contact.rotateMailbox`, the
 * schedule, and (later) device removal call it.
 */
import { fail, ok, type ClientFailure } from '../client/api.ts'
import type { ContactRecord, RetiringMailbox } from '../store/records.ts'
import type { MessengerContext } from './context.ts'
import type { MailboxManager } from './mailbox-manager.ts'
import { queueHello } from './outbox-rows.ts'
import type { HelloBody } from './payload.ts'

export const ROTATION_TIMING = {
  /**
   * A contact mailbox gets a new id this often. A week: the relay can follow one mailbox (its
   * deposit rhythm, its size) for at most that long, and a rotation costs one Hello, one create
   * and one close; the message lifetime is 14 days, the relay's idle limit 30.
   */
  intervalMs: 7 * 86_400_000,
  /**
   * Spread: each mailbox is due at its own moment within this window (from its id), so the
   * mailboxes of one user never all change together (that moment would link them).
   */
  jitterMs: 86_400_000,
  /** After the contact's first frame in the new mailbox: deposits under way still land. */
  retireAfterSwitchMs: 60_000,
  /** A contact that never switches: closed after this (the relay's idle limit: 30 days). */
  retireAtLatestMs: 30 * 86_400_000,
  /** Old mailboxes kept per contact at once; one more rotation is refused until one closes. */
  maxRetiring: 3,
  /** How often the schedule and the 30-day limit are checked (both are days long). */
  checkEveryMs: 60_000,
}

export interface RotationDeps {
  ctx: MessengerContext
  mailboxes: MailboxManager
  relays(): string[]
  helloFor(contact: ContactRecord, reply: boolean): HelloBody | null
  kickOutbox(): void
  timing?: Partial<typeof ROTATION_TIMING>
}

export class MailboxRotation {
  readonly #d: RotationDeps
  readonly #t: typeof ROTATION_TIMING
  /** Retiring mailbox id → its contact. */
  readonly #retiring = new Map<string, string>()
  /** Contact → when its first frame arrived in its current mailbox after a rotation. */
  readonly #switchedAt = new Map<string, number>()
  #lastPass = -Infinity

  constructor(d: RotationDeps) {
    this.#d = d
    this.#t = { ...ROTATION_TIMING, ...d.timing }
  }

  /** Watches every retiring mailbox again (start). */
  start(contacts: readonly ContactRecord[]): void {
    for (const c of contacts) {
      for (const r of c.retiringMailboxes ?? []) {
        this.#retiring.set(r.mailboxId, c.contactId)
        this.#d.mailboxes.watch(r.mailboxId, r.relay, { publishPrekeys: false })
      }
    }
  }

  /**
   * The mailbox the inbox should attribute a frame to: a retiring mailbox's frames belong to the
   * contact's current mailbox; a frame in a current one marks the contact as switched.
   */
  async sourceFor(mailboxId: string): Promise<string> {
    const contactId = this.#retiring.get(mailboxId)
    if (contactId === undefined) {
      if (this.#retiring.size > 0) void this.#noteArrival(mailboxId)
      return mailboxId
    }
    const c = await this.#d.ctx.store.getContact(contactId)
    return c?.inboundMailboxId ?? mailboxId
  }

  /** Gives `contactId` a new inbound mailbox now; the old one retires (see the file comment). */
  rotate(contactId: string): Promise<{ ok: true; value: ContactRecord } | ClientFailure> {
    return this.#d.ctx.locks.run(`rotate ${contactId}`, () => this.#rotate(contactId))
  }

  async #rotate(contactId: string): Promise<{ ok: true; value: ContactRecord } | ClientFailure> {
    const { store, platform } = this.#d.ctx
    const home = this.#d.relays()[0]
    if (home === undefined) return fail('unavailable', 'no relay to open a mailbox on')
    const before = await store.getContact(contactId)
    if (before === undefined) return fail('not_found', 'no such contact')
    const old = before.inboundMailboxId
    if (old === null || before.outboundMailbox === null)
      return fail('invalid_state', 'this contact has no mailbox of ours yet')
    if ((before.retiringMailboxes ?? []).length >= this.#t.maxRetiring)
      return fail('busy', 'the contact has not picked up the previous new mailboxes yet')
    const fresh = this.#d.mailboxes.newMailboxId()
    // Created and watched before anyone can learn its address (deposits would fail otherwise).
    this.#d.mailboxes.watch(fresh, home)
    await this.#d.mailboxes.open(fresh, home, null)
    const now = platform.clock()
    const rotated = await store.transaction(async (tx) => {
      const c = await tx.getContact(contactId)
      if (c === undefined || c.inboundMailboxId !== old) return undefined
      const retiring: RetiringMailbox = { mailboxId: old, relay: home, since: now }
      const next: ContactRecord = {
        ...c,
        inboundMailboxId: fresh,
        mailboxSince: now,
        retiringMailboxes: [...(c.retiringMailboxes ?? []), retiring],
        updatedAt: now,
      }
      await tx.putContact(next)
      const conv = await tx.getConversationByContact(contactId)
      const hello = this.#d.helloFor(next, true)
      if (conv !== undefined && hello !== null)
        await queueHello(tx, conv.conversationId, hello, platform, now)
      return next
    })
    if (rotated === undefined) {
      // Changed meanwhile (deleted, or rotated by another caller): the new mailbox goes unused.
      await this.#d.mailboxes.close(fresh, home).catch(() => undefined)
      return fail('busy', 'the contact changed meanwhile; try again')
    }
    this.#retiring.set(old, contactId)
    this.#switchedAt.delete(contactId)
    this.#d.kickOutbox()
    return ok(rotated)
  }

  /**
   * Keeper pass: retire switched and overdue mailboxes, rotate the ones due. The keeper runs every
   * 2 s; the contact list is read at most once a minute unless a contact just switched.
   */
  async maintain(): Promise<void> {
    const { store, platform } = this.#d.ctx
    const now = platform.clock()
    if (this.#switchedAt.size === 0 && now - this.#lastPass < this.#t.checkEveryMs) return
    this.#lastPass = now
    for (const c of await store.listContacts()) {
      const retiring = c.retiringMailboxes ?? []
      const switched = this.#switchedAt.get(c.contactId)
      const due = retiring.filter(
        (r) =>
          (switched !== undefined && now - switched >= this.#t.retireAfterSwitchMs) ||
          now - r.since >= this.#t.retireAtLatestMs,
      )
      if (due.length > 0) await this.#retire(c.contactId, due)
      else if (retiring.length === 0 && this.#rotationDue(c, now)) {
        const res = await this.rotate(c.contactId)
        if (!res.ok) this.#d.ctx.log(`scheduled rotation: ${res.error.code}`)
      }
    }
  }

  #rotationDue(c: ContactRecord, now: number): boolean {
    if (c.blocked || c.inboundMailboxId === null || c.outboundMailbox === null) return false
    const since = c.mailboxSince ?? c.addedAt
    return now - since >= this.#t.intervalMs + spread(c.inboundMailboxId, this.#t.jitterMs)
  }

  async #noteArrival(mailboxId: string): Promise<void> {
    const c = await this.#d.ctx.store.getContactByInboundMailbox(mailboxId)
    if (c === undefined || (c.retiringMailboxes ?? []).length === 0) return
    if (!this.#switchedAt.has(c.contactId))
      this.#switchedAt.set(c.contactId, this.#d.ctx.platform.clock())
  }

  /** Drains each mailbox once more, closes it at the relay, and forgets it. */
  async #retire(contactId: string, due: readonly RetiringMailbox[]): Promise<void> {
    for (const r of due) {
      try {
        await this.#d.mailboxes.drainNow(r.mailboxId)
        await this.#d.mailboxes.close(r.mailboxId, r.relay)
      } catch (err) {
        this.#d.ctx.log('retiring mailbox not closed yet', err)
        continue
      }
      await this.#d.ctx.store.transaction(async (tx) => {
        const c = await tx.getContact(contactId)
        if (c === undefined) return
        const left = (c.retiringMailboxes ?? []).filter((x) => x.mailboxId !== r.mailboxId)
        await tx.putContact({ ...c, retiringMailboxes: left })
      })
      this.#retiring.delete(r.mailboxId)
    }
    const c = await this.#d.ctx.store.getContact(contactId)
    if ((c?.retiringMailboxes ?? []).length === 0) this.#switchedAt.delete(contactId)
  }
}

/** 0 ≤ offset < windowMs, fixed per mailbox id (its first bytes), so restarts keep the moment. */
function spread(mailboxId: string, windowMs: number): number {
  let h = 0
  for (let i = 0; i < Math.min(8, mailboxId.length); i++)
    h = (h * 64 + mailboxId.charCodeAt(i)) % windowMs
  return h
}
