/**
 * Application content from a group member, after MLS verified and decrypted it (docs/protocol/
 * groups.md "Content"): a text is stored, then announced; a rename, a leave, a receipt, a declared
 * name and a mailbox move act on the group. Apart from group-manager.ts to keep that file within
 * its size (ADR 0011).
 */
import { toBase64Url, toHex } from '../../crypto/bytes.ts'
import { decodeGroupContent, type GroupContent } from '../../groups/content.ts'
import type { GroupChannel, GroupEvent } from '../../groups/group-channel.ts'
import type { GroupMessageRecord } from '../../store/records.ts'
import * as admin from './group-admin.ts'
import type { GroupHistory } from './group-history.ts'
import type { GroupMailboxHome, GroupManagerEvent, GroupManagerIo } from './group-manager-io.ts'
import type { GroupMemberTalk } from './group-member-talk.ts'

/** The part of a group's entry content changes. */
interface ContentTarget {
  name: string
  channel: GroupChannel
  leaving: Set<string>
  lastActivityAt: number
}

export interface ContentEventDeps {
  io: Pick<GroupManagerIo, 'contactOfIdentity' | 'heldOfIdentity'>
  history: GroupHistory
  talk: GroupMemberTalk
  entry(groupId: string): ContentTarget | undefined
  identityOf(credential: Uint8Array, signatureKey: Uint8Array): Uint8Array | undefined
  /** A typed refusal (malformed content): told as a `refused` event. */
  refuse(groupId: string, err: unknown): void
  announce(e: GroupManagerEvent): void
  commitLeave(groupId: string, leaf: number, signatureKey: Uint8Array): Promise<void>
  switchTo(groupId: string, home: GroupMailboxHome): void
}

export function applyGroupContent(
  d: ContentEventDeps,
  groupId: string,
  e: Extract<GroupEvent, { kind: 'message' }>,
): void {
  let content: GroupContent
  try {
    content = decodeGroupContent(e.data)
  } catch (err) {
    d.refuse(groupId, err)
    return
  }
  const identity = d.identityOf(e.sender.credential, e.sender.signatureKey)
  const contact = identity === undefined ? undefined : d.io.contactOfIdentity(identity)
  const held = identity === undefined ? undefined : d.io.heldOfIdentity?.(identity)
  const by = contact ?? held ?? null
  const keyId = identity === undefined ? null : toBase64Url(identity)
  const g = d.entry(groupId)
  if (content.kind === 'rename') {
    if (held !== undefined && contact === undefined) return // not applied while held
    // A roles group is renamed by an admin's commit only; this message changes nothing.
    if (g !== undefined && admin.hasRoles(g.channel.state)) return
    if (g !== undefined) g.name = content.name
    void d.history.line(groupId, { kind: 'renamed', member: keyId, name: content.name })
    d.announce({ kind: 'changed', groupId, change: 'renamed', by })
    return
  }
  if (content.kind === 'leave') {
    if (keyId !== null) g?.leaving.add(keyId)
    void d.commitLeave(groupId, e.sender.leaf, e.sender.signatureKey)
    return
  }
  if (content.kind === 'receipt' || content.kind === 'profile') {
    if (keyId !== null) void d.talk.memberSaid(groupId, keyId, content)
    return
  }
  if (content.kind === 'mailbox') {
    // Only at its place in the mailbox order; a direct copy would switch members apart.
    if (e.via !== 'mailbox') return
    // Only an admin moves a roles group (only admins remove; ADR 0135). A group made before
    // roles keeps the old rule: any member's move is followed.
    if (
      g !== undefined &&
      admin.hasRoles(g.channel.state) &&
      !admin.adminKeys(g.channel.state).has(toHex(identity ?? new Uint8Array()))
    )
      return
    const { mailboxId, authSecret, capability, relay } = content
    d.switchTo(groupId, { relays: [relay], mailboxId, authSecret, capability })
    return
  }
  const message: GroupMessageRecord = {
    messageId: toBase64Url(e.tag),
    groupId,
    senderContactId: by,
    senderKeyId: identity === undefined ? null : toBase64Url(identity),
    outgoing: false,
    text: content.text,
    state: held !== undefined && contact === undefined ? 'held' : 'shown',
    via: e.via,
    receivedAt: d.history.stamp(),
  }
  if (g !== undefined) g.lastActivityAt = message.receivedAt
  const event = { kind: 'message' as const, groupId, text: message.text, via: e.via, message }
  void d.history.add(message, event).then((added) => {
    if (added && message.state === 'shown') d.talk.textStored(groupId, message)
  })
}
