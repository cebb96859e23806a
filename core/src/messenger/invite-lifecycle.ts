/**
 * An invite grants one relationship, once (ADRs 0730–0733, docs/protocol/messaging.md "Invite").
 *
 * - Pending: the invite's mailbox accepts one PQXDH initial frame that uses the one-time prekey
 *   reserved for this invite, until `expiresAt` + INVITE_POLICY.expiryGraceMs by our clock.
 * - Bound: the first valid Hello created (or re-introduced) the contact, which was moved to a fresh
 *   mailbox named only inside the encrypted reply. The invite mailbox is still read (the contact may
 *   have deposited more before it learned the fresh one) until the contact's first frame arrives
 *   another way (fresh mailbox or direct): then it is drained and closed at the relay.
 * - Withdrawn (`invite.renew`) or expired: frames there are refused and the mailbox is closed.
 *
 * This module keeps the states in our secrets and closes mailboxes; the inbox asks `inviteMailboxOf`
 * what a frame in an invite mailbox may do.
 */
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import { ProtocolError } from '../wire/errors.ts'
import { changeSecrets, type MessengerContext } from './context.ts'
import { INVITE_USED_MARKER } from './invite.ts'
import { MESSENGER_LIMITS } from './limits.ts'
import type { MailboxManager } from './mailbox-manager.ts'
import type { LocalSecrets, PendingInvite } from './secrets.ts'

export const INVITE_POLICY = {
  /** An invite link is valid this long (the invitee refuses it after, and so do we). */
  lifetimeMs: MESSENGER_LIMITS.inviteLifetimeMs,
  /** Clock skew we tolerate between the invitee's clock and ours at the expiry (ADR 0732). */
  expiryGraceMs: 5 * 60_000,
  /** `invite.mine` shows the same link again only this long after making it (ADR 0731). */
  reuseMs: 60 * 60_000,
  /** Unused invites kept open at once; making another withdraws the oldest (ADR 0731). */
  maxPending: 5,
} as const

export type InviteState = 'pending' | 'bound' | 'withdrawn' | 'expired'

export function inviteState(i: PendingInvite, now: number): InviteState {
  if (i.withdrawn === true) return 'withdrawn'
  if (i.boundContactId !== undefined) return 'bound'
  if (now > i.expiresAt + INVITE_POLICY.expiryGraceMs) return 'expired'
  return 'pending'
}

export function createdAtOf(i: PendingInvite): number {
  return i.createdAt ?? i.expiresAt - INVITE_POLICY.lifetimeMs
}

/** What a frame arriving in one of our invite mailboxes may do. */
export type InviteMailbox =
  | { kind: 'pending'; mailboxId: string; oneTimePrekeyId: number }
  | { kind: 'bound'; mailboxId: string; oneTimePrekeyId: number; contactId: string }

/**
 * The invite mailbox `mailboxId`, or undefined when it is not one of ours. Throws ProtocolError
 * (nothing is stored; the mailbox manager acks and drops the frame) when the invite was withdrawn
 * or expired.
 */
export function inviteMailboxOf(
  secrets: LocalSecrets,
  mailboxId: string,
  now: number,
): InviteMailbox | undefined {
  const i = secrets.invites.find((x) => x.mailboxId === mailboxId)
  if (i === undefined) return undefined
  const state = inviteState(i, now)
  if (state === 'withdrawn') throw new ProtocolError('unknown_key', 'this invite was withdrawn')
  if (state === 'expired') throw new ProtocolError('expired', 'this invite expired')
  if (state === 'bound') {
    return {
      kind: 'bound',
      mailboxId,
      oneTimePrekeyId: i.oneTimePrekeyId,
      contactId: i.boundContactId!,
    }
  }
  return { kind: 'pending', mailboxId, oneTimePrekeyId: i.oneTimePrekeyId }
}

/** Marks the invite bound to `contactId` inside the caller's secrets (same transaction). */
export function bindInvite(s: LocalSecrets, mailboxId: string, contactId: string): void {
  s.invites = s.invites.map((i) =>
    i.mailboxId === mailboxId ? { ...i, boundContactId: contactId } : i,
  )
}

/** Changes our invites in one store transaction and reloads the in-memory secrets. */
export async function updateInvites(
  ctx: MessengerContext,
  change: (invites: PendingInvite[], secrets: LocalSecrets) => PendingInvite[],
): Promise<void> {
  await changeSecrets(ctx, (s) => {
    s.invites = change(s.invites, s)
  })
}

/**
 * Closes invite mailboxes at the relay when their invite is done: bound ones once the contact has
 * moved (drained first, so nothing the contact deposited there is lost), withdrawn and expired ones
 * on the next keeper pass. A close that fails is tried again on a later pass.
 */
export class InviteKeeper {
  readonly #ctx: MessengerContext
  readonly #mailboxes: MailboxManager
  readonly #home: () => string | undefined
  readonly #busy = new Map<string, Promise<void>>()
  /** Bound invite mailboxes whose contact has moved but that are not closed yet (this run). */
  readonly #moved = new Set<string>()
  /** Bound invite mailboxes whose signed invite was replaced by the used mark (this run). */
  readonly #markedUsed = new Set<string>()

  constructor(ctx: MessengerContext, mailboxes: MailboxManager, home: () => string | undefined) {
    this.#ctx = ctx
    this.#mailboxes = mailboxes
    this.#home = home
  }

  /**
   * A frame of `contactId` arrived other than through its invite mailbox: it has our reply, and
   * everything it sent before is already on the relay (its outbox sends one item after another).
   */
  contactMoved(contactId: string): void {
    for (const i of this.#ctx.secrets.invites) {
      if (i.boundContactId !== contactId) continue
      this.#moved.add(i.mailboxId)
      // Not awaited (the frame's processing goes on); stop() waits for it, a failure is retried.
      void this.retire(i.mailboxId).catch((err: unknown) =>
        this.#ctx.log(`invite ${i.mailboxId.slice(0, 8)} not retired yet`, err),
      )
    }
  }

  /** Waits for every close and mark in progress (the messenger stops; the store closes next). */
  async stop(): Promise<void> {
    while (this.#busy.size > 0) await Promise.allSettled([...this.#busy.values()])
  }

  /** Keeper pass: closes withdrawn and expired invites (bound ones past expiry too). */
  async maintain(): Promise<void> {
    const now = this.#ctx.platform.clock()
    for (const i of this.#ctx.secrets.invites) {
      const state = inviteState(i, now)
      const expired = now > i.expiresAt + INVITE_POLICY.expiryGraceMs
      // A moved contact's close that failed (the relay busy or rate-limiting the drain) is tried
      // again on every pass; nothing else would bring it back before the expiry.
      const moved = state === 'bound' && this.#moved.has(i.mailboxId)
      if (state === 'withdrawn' || state === 'expired' || (state === 'bound' && expired) || moved) {
        await this.retire(i.mailboxId)
      } else if (state === 'bound' && !this.#markedUsed.has(i.mailboxId)) {
        await this.#markUsed(i.mailboxId)
      }
    }
  }

  /**
   * A bound invite's mailbox stays open until the contact moves (ADR 0730); meanwhile the signed
   * invite in it is replaced by INVITE_USED_MARKER, so someone replaying the link is told at once
   * that it was used (ADR 0734). Runs as the mailbox's job in #busy, so a close never races it (a
   * retire asked meanwhile is done by the next pass: `#moved` keeps it wanted).
   */
  #markUsed(mailboxId: string): Promise<void> {
    const home = this.#home()
    if (home === undefined || this.#busy.has(mailboxId)) return Promise.resolve()
    const job = this.#mailboxes
      .open(mailboxId, home, INVITE_USED_MARKER)
      .then(() => void this.#markedUsed.add(mailboxId))
      .catch((err: unknown) =>
        this.#ctx.log(`invite ${mailboxId.slice(0, 8)} not marked used`, err),
      )
      .finally(() => this.#busy.delete(mailboxId))
    this.#busy.set(mailboxId, job)
    return job
  }

  /** Withdraws every unused invite (invite.renew): refused from now on, closed at the relay. */
  async withdrawPending(): Promise<void> {
    const now = this.#ctx.platform.clock()
    const ids: string[] = []
    await updateInvites(this.#ctx, (invites) =>
      invites.map((i) => {
        if (inviteState(i, now) !== 'pending') return i
        ids.push(i.mailboxId)
        return { ...i, withdrawn: true }
      }),
    )
    await Promise.all(ids.map((id) => this.retire(id)))
  }

  /** Drains (bound invites only) and closes the mailbox, then forgets the invite. */
  retire(mailboxId: string): Promise<void> {
    const running = this.#busy.get(mailboxId)
    if (running !== undefined) return running
    const job = this.#retire(mailboxId).finally(() => this.#busy.delete(mailboxId))
    this.#busy.set(mailboxId, job)
    return job
  }

  async #retire(mailboxId: string): Promise<void> {
    const home = this.#home()
    const invite = this.#ctx.secrets.invites.find((i) => i.mailboxId === mailboxId)
    if (home === undefined || invite === undefined) return
    try {
      if (inviteState(invite, this.#ctx.platform.clock()) === 'bound') {
        await this.#mailboxes.drainNow(mailboxId)
      }
      await this.#mailboxes.close(mailboxId, home)
    } catch (err) {
      // Not closed: watched again so its frames are still handled; the next pass retries.
      this.#ctx.log(`invite mailbox ${mailboxId.slice(0, 8)} not closed yet`, err)
      this.#mailboxes.watch(mailboxId, home, { publishPrekeys: false })
      return
    }
    this.#moved.delete(mailboxId)
    this.#markedUsed.delete(mailboxId)
    // Forget the invite, and the one-time prekey it reserved if nobody used it.
    await updateInvites(this.#ctx, (invites, s) => {
      if (invite.boundContactId === undefined) {
        s.prekeys = s.prekeys.filter(
          (p) => !(p.kind === PREKEY_KIND.oneTimeX25519 && p.id === invite.oneTimePrekeyId),
        )
      }
      return invites.filter((i) => i.mailboxId !== mailboxId)
    })
  }
}
