/**
 * System lines of a group's history (ADR 0782): "Bob joined", "Carol was removed by Alice",
 * "Dan left", "Alice renamed the group to …", "Bob's security code changed". They are worked out
 * by each member from what it applied itself (the member lists before and after each commit, in
 * mailbox order), never taken from what another member claims, and stored with the history like
 * a message, so they keep their place among the messages and survive a restart.
 *
 * Members are named by their identity key id (base64url), the key the safety number verifies; the
 * view turns it into a contact's name or the name the member declared (group-views.ts).
 */
import { toBase64Url } from '../../crypto/bytes.ts'
import type { GroupMessageRecord, GroupSystemRecord } from '../../store/records.ts'

/** leaf index → identity key id of the member at that leaf (leaves that verify). */
export type Roster = Map<number, string>

export function rosterOf(
  members: readonly { leaf: number; credential: Uint8Array; signatureKey: Uint8Array }[],
  identityOf: (credential: Uint8Array, signatureKey: Uint8Array) => Uint8Array | undefined,
): Roster {
  const roster: Roster = new Map()
  for (const m of members) {
    const identity = identityOf(m.credential, m.signatureKey)
    if (identity !== undefined) roster.set(m.leaf, toBase64Url(identity))
  }
  return roster
}

/** The people (identity key ids) in a roster: a person's several devices count once. */
export function peopleOf(roster: Roster): Set<string> {
  return new Set(roster.values())
}

/**
 * The lines one applied commit gives: who is new ("joined"), who is gone ("left" when they said
 * they leave, else "removed by" the committer). `own`: this user's identity key id (named null).
 * A person is counted once however many devices they have; a device added for someone already
 * in the group is not a join.
 */
export function commitLines(
  before: Roster,
  after: Roster,
  o: { committer: number | undefined; own: string; leaving: ReadonlySet<string> },
): GroupSystemRecord[] {
  const was = peopleOf(before)
  const is = peopleOf(after)
  const named = (keyId: string | undefined): string | null | undefined =>
    keyId === undefined ? undefined : keyId === o.own ? null : keyId
  const by = named(o.committer === undefined ? undefined : before.get(o.committer))
  const lines: GroupSystemRecord[] = []
  for (const keyId of is) {
    if (!was.has(keyId)) lines.push({ kind: 'joined', member: named(keyId)! })
  }
  for (const keyId of was) {
    if (is.has(keyId)) continue
    const member = named(keyId)!
    if (o.leaving.has(keyId)) lines.push({ kind: 'left', member })
    else lines.push({ kind: 'removed', member, ...(by !== undefined ? { by } : {}) })
  }
  return lines
}

/** A system line as a history record (`id`: random, or fixed so a repeat is not stored twice). */
export function systemRecord(
  groupId: string,
  id: string,
  system: GroupSystemRecord,
  at: number,
): GroupMessageRecord {
  return {
    messageId: id,
    groupId,
    senderContactId: null,
    senderKeyId: null,
    outgoing: false,
    text: '',
    state: 'shown',
    via: 'sent',
    receivedAt: at,
    system,
  }
}
