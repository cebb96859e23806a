/**
 * Groups inside the messenger (issue 20): one GroupChannel per group, the 1:1 traffic around it
 * (KeyPackage request and answer, the invitation in parts, application frames sent directly), and
 * the mapping between group members and contacts (by the identity key in each member credential,
 * the key the safety number verifies). docs/protocol/groups.md "Inside 1:1 sessions".
 *
 * Everything that leaves this device for a contact goes through `io.sendToContact`, i.e. inside
 * the contact's 1:1 session: welcomes, KeyPackages and the group mailbox credentials are never
 * readable by a relay. Every group step ends with the group stored (GroupRecord), so a restart
 * continues where it stopped; history is stored before its event is announced.
 */
import { fromBase64Url, toBase64Url, toHex } from '../../crypto/bytes.ts'
import { encodeGroupContent, type GroupContent } from '../../groups/content.ts'
import {
  decodeGroupDirect,
  encodeGroupDirect,
  type GroupDirectMessage,
} from '../../groups/direct.ts'
import { decodeGroupFrame } from '../../groups/framing.ts'
import { GroupChannel, type GroupEvent, type GroupMailboxPort } from '../../groups/group-channel.ts'
import type { GroupMailboxHome, GroupManagerEvent, GroupManagerIo } from './group-manager-io.ts'
import { groupIdOf, membersOf, ownLeaf, type Group } from '../../groups/mls.ts'
import type { GroupSummary } from '../../client/api.ts'
import type { GroupMessageRecord } from '../../store/records.ts'
import { isProtocolError, ProtocolError } from '../../wire/errors.ts'
import type { Roster } from './group-events.ts'
import { GroupHistory } from './group-history.ts'
import { GroupMemberTalk } from './group-member-talk.ts'
import { GroupJoining, type JoinedGroup } from './group-joining.ts'
import { applyGroupContent } from './group-content-events.ts'
import { identityOfMember, membersByContact, type MemberByContact } from './group-members.ts'
import * as admin from './group-admin.ts'
import { LeafUpdates } from './group-leaf-updates.ts'
import { LEAVE_COMMIT_TIMING, LeaveCommits } from './group-leave-order.ts'
import { fromGroupRecord, toGroupRecord } from './group-records.ts'

export type {
  GroupChange,
  GroupMailboxHome,
  GroupManagerEvent,
  GroupManagerIo,
} from './group-manager-io.ts'

/** A group as kept here: what joining gives (group-joining.ts) and what applying it keeps. */
interface GroupEntry extends JoinedGroup {
  /** Members by leaf as last applied (system lines come from its changes). */
  roster: Roster
  /** Members who said they leave (their removal is a "left" line). */
  leaving: Set<string>
}

export class GroupManager {
  private readonly groups = new Map<string, GroupEntry>()
  /** KeyPackages and invitations through 1:1 sessions (group-joining.ts). */
  private readonly joining: GroupJoining
  private readonly ports = new Map<string, GroupMailboxPort>()
  private readonly admins = new admin.AdminsSeen()
  private readonly io: GroupManagerIo
  private readonly history: GroupHistory
  /** Rosters, system lines, declared names and receipts (ADRs 0780-0782). */
  readonly talk: GroupMemberTalk

  /** When this device updates its own leaf in each group (ADR 0136). */
  private readonly leaf: LeafUpdates
  /** Members' leaves this device commits in its turn (ADR 0138). */
  private readonly leaves: LeaveCommits
  /**
   * Groups whose removal commit went through but whose mailbox move (ADR 0770) has not yet:
   * stored with the group (moveDue) and retried until it succeeds, or the removed member keeps
   * the old mailbox's capability and auth key (review rg-8).
   */
  private readonly movesDue = new Set<string>()

  constructor(io: GroupManagerIo) {
    this.io = io
    this.leaf = new LeafUpdates(io.now, io.leafUpdate)
    const log = io.log ?? (() => undefined)
    this.leaves = new LeaveCommits(io.leaveCommit ?? LEAVE_COMMIT_TIMING, io.random, log)
    this.history = new GroupHistory(io)
    this.talk = new GroupMemberTalk({
      ...{ io, history: this.history, entries: () => this.groups.entries() },
      entry: (groupId) => this.groups.get(groupId),
      identityOf: (c, s) => this.identityOf(c, s),
      sendContent: (groupId, content) => this.sendContent(groupId, content),
      sendDirect: (c, id, frame) =>
        this.send(c, { groupId: id, body: { kind: 'frame', frame } }, true),
      save: (groupId) => this.save(groupId),
      announce: (e) => this.announce(e),
    })
    this.joining = new GroupJoining({
      ...{ io, history: this.history },
      entry: (groupId) => this.groups.get(groupId),
      has: (groupId) => this.groups.has(groupId),
      track: (groupId, joined) => this.track(groupId, joined),
      membersByContact: (group) => this.membersByContact(group),
      channelIo: (groupId) => this.channelIo(groupId),
      send: (c, m, directOnly) => this.send(c, m, directOnly),
      save: (groupId) => this.save(groupId),
      declare: (groupId) => void this.talk.declare(groupId),
    })
  }

  /** Loads the groups and offered KeyPackages stored before (call once, before anything else). */
  async restore(): Promise<void> {
    await this.joining.load()
    for (const r of await this.io.store.listGroups()) {
      try {
        await this.restoreOne(r)
      } catch (err) {
        // One group that no longer reads (roles stored before they were checked: review rg-9)
        // is left out, logged, and kept in the store; the other groups still load.
        this.unreadable(r.groupId, err)
      }
    }
  }

  private async restoreOne(r: Parameters<typeof fromGroupRecord>[0]): Promise<void> {
    const newest = await this.io.store.pageGroupMessages(r.groupId, 1)
    this.history.seen(newest[0]?.receivedAt ?? 0)
    const s = fromGroupRecord(r, this.io.suite, this.io.checker, newest[0]?.receivedAt)
    admin.hasRoles(s.group) // roles that do not decode: refused before anything is tracked
    const channel = GroupChannel.restore(s.group, s.cursor, s.knownNext, this.channelIo(s.key))
    const names = new Map(s.names)
    this.leaf.track(s.key, r.leafUpdate)
    if (r.moveDue === true) this.movesDue.add(s.key)
    this.track(s.key, { id: groupIdOf(s.group), ...s, channel, asked: new Set(s.asked), names })
    this.scheduleLeaves(s.key) // a leave read before the last stop and not committed yet
  }

  /** A group whose stored state does not read (a typed error): logged and left out, not thrown. */
  private unreadable(groupId: string, err: unknown): void {
    if (!isProtocolError(err)) throw err
    this.io.log?.(`group ${groupId} left out: ${err.message}`, err)
  }

  /** After stop(), in the same process: leaves pending wait for their turn again. */
  start(): void {
    this.leaves.start()
    for (const key of this.groups.keys()) this.scheduleLeaves(key)
  }

  /** No leave is committed after this (the messenger stops). */
  stop(): void {
    this.leaves.stop()
  }

  /** Groups in which this device waits for its turn to commit a leave. */
  waitingLeaves(): string[] {
    return this.leaves.waiting()
  }

  /** Creates a group with this device as its only member; resolves with its id (hex). */
  async create(name: string): Promise<string> {
    const home = await this.io.createMailbox()
    const id = this.io.random(32)
    const key = toHex(id)
    const own = await this.io.newKeyPackage()
    const channel = await GroupChannel.create(
      this.io.suite,
      this.io.checker,
      id,
      own,
      this.channelIo(key),
      admin.creatorRoles(name, own), // the creator is the first admin (ADR 0135)
    )
    this.track(key, {
      ...{ id, name, home, channel, asked: new Set<string>(), names: new Map() },
      ...{ status: 'member' as const, createdAt: this.io.now(), lastActivityAt: this.io.now() },
    })
    await this.save(key)
    this.io.onEvent({ kind: 'changed', groupId: key, change: 'created', by: null })
    return key
  }

  /** Asks each contact for a KeyPackage; each is added when its answer arrives. */
  async addContacts(groupId: string, contactIds: readonly string[]): Promise<void> {
    const g = this.active(groupId)
    admin.requireAdmin(g.channel.state)
    for (const c of contactIds) {
      g.asked.add(c)
      await this.send(c, { groupId: g.id, body: { kind: 'key_package_request' } }, false)
    }
    await this.save(groupId)
  }

  /** Removes every device of the contact from the group (a new epoch at once). */
  async removeContact(groupId: string, contactId: string): Promise<void> {
    const g = this.active(groupId)
    admin.requireAdmin(g.channel.state)
    const removed = await g.channel.commit((group) => {
      const leaves = this.membersByContact(group)
        .filter((m) => m.contact === contactId)
        .map((m) => m.leaf)
      // Leaves proposed by their members go with it (ADR 0138), or this commit would drop them.
      return leaves.length === 0 ? undefined : { remove: leaves, selfRemoves: true }
    })
    if (removed !== undefined) {
      this.leaf.updated(groupId) // our removal commit had a fresh path
      this.movesDue.add(groupId) // stored before the move is tried: a failed move is retried
      await this.save(groupId)
    }
    // Also when the removal was done by an earlier call whose move failed (review rg-8).
    if (this.movesDue.has(groupId)) await this.replaceMailbox(groupId)
  }

  /** A mailbox move left due by a failed removal, tried at each catch-up; a failure is logged. */
  private async retryMove(groupId: string): Promise<void> {
    const g = this.groups.get(groupId)
    if (!this.movesDue.has(groupId) || g?.status !== 'member') return
    // Members follow only an admin's move: one no longer admin leaves it to the others.
    if (!admin.canManage(g.channel.state)) {
      this.movesDue.delete(groupId)
      return this.save(groupId)
    }
    await this.replaceMailbox(groupId).catch((err: unknown) =>
      this.io.log?.(`group ${groupId}: mailbox move failed, retried later`, err),
    )
  }

  /**
   * After a removal (ADR 0770): a new group mailbox, announced inside the group in the new epoch
   * (the removed member cannot read it) through the old mailbox only, so every member switches at
   * the same place in the order. The removed member keeps the old mailbox's credentials, which
   * open nothing in the new one.
   */
  private async replaceMailbox(groupId: string): Promise<void> {
    const g = this.active(groupId)
    const home = await this.io.createMailbox()
    const move = {
      mailboxId: home.mailboxId,
      authSecret: home.authSecret,
      capability: home.capability,
      relay: home.relays[0]!,
    }
    await g.channel.send(encodeGroupContent({ kind: 'mailbox', ...move })) // mailbox only
    this.switchTo(groupId, home)
    this.movesDue.delete(groupId)
    await this.save(groupId)
  }

  private switchTo(groupId: string, home: GroupMailboxHome): void {
    const g = this.entry(groupId)
    g.home = home
    this.ports.delete(groupId)
    g.channel.moveTo(0n)
    this.announce({ kind: 'moved', groupId })
  }

  /** Sends text: directly to members online, the group mailbox for the others. */
  async sendText(groupId: string, text: string): Promise<GroupMessageRecord> {
    const frame = await this.sendContent(groupId, { kind: 'text', text })
    const message: GroupMessageRecord = {
      messageId: toBase64Url(decodeGroupFrame(frame).mls.slice(-16)),
      groupId,
      senderContactId: null,
      senderKeyId: null,
      outgoing: true,
      text,
      state: 'shown',
      via: 'sent',
      receivedAt: this.history.stamp(),
      recipients: this.talk.recipients(groupId),
      deliveredTo: [],
    }
    await this.io.store.addGroupMessage(message)
    this.entry(groupId).lastActivityAt = message.receivedAt
    this.leaf.sent(groupId)
    await this.save(groupId)
    this.updateLeafWhenDue(groupId)
    return message
  }

  /** Renames the group for every member (an application message, ordered like text). */
  async rename(groupId: string, name: string): Promise<void> {
    const { channel } = this.active(groupId)
    if (admin.hasRoles(channel.state)) {
      // A roles group: the name is in the group context, changed by an admin's commit (ADR 0135).
      admin.requireAdmin(channel.state)
      await channel.commit((group) => admin.rolesPlan(group, { name }))
    } else await this.sendContent(groupId, { kind: 'rename', name })
    this.entry(groupId).name = name
    await this.history.line(groupId, { kind: 'renamed', member: null, name })
    await this.save(groupId)
    this.io.onEvent({ kind: 'changed', groupId, change: 'renamed', by: null })
  }

  /**
   * Leaves: proposes our removal in the group mailbox (any member who reads it commits it, ADR
   * 0138), tells the members and stops reading. The group and its history stay here, marked left.
   */
  async leave(groupId: string): Promise<void> {
    const { channel } = this.active(groupId)
    // The last admin first makes the longest-standing member admin (ADR 0135).
    await channel.commit((group) => admin.handOverPlan(group))
    await channel.proposeLeave()
    await this.sendContent(groupId, { kind: 'leave' })
    await this.history.line(groupId, { kind: 'left', member: null })
    this.entry(groupId).status = 'left'
    await this.save(groupId)
    this.io.onEvent({ kind: 'changed', groupId, change: 'left', by: null })
  }

  /** Makes a member contact admin or not (an admin's commit of new roles, ADR 0135). */
  async setAdmin(groupId: string, contactId: string, makeAdmin: boolean): Promise<void> {
    const identityOf = (group: Group) => {
      const keyId = this.membersByContact(group).find((m) => m.contact === contactId)?.keyId
      if (keyId === undefined) throw new RangeError('that contact is not a member of this group')
      return fromBase64Url(keyId)
    }
    await admin.commitAdminChange(this.active(groupId).channel, identityOf, makeAdmin)
  }

  has(groupId: string): boolean {
    return this.groups.has(groupId)
  }

  /** The group mailbox of a group this device still takes part in (live delivery). */
  homeOf(groupId: string): GroupMailboxHome | undefined {
    const g = this.groups.get(groupId)
    return g?.status === 'member' ? g.home : undefined
  }

  summary(groupId: string) {
    return this.list().find((g) => g.groupId === groupId)
  }

  /** Every group that reads; one that does not is logged and left out (review rg-9). */
  list(): GroupSummary[] {
    return [...this.groups.entries()].flatMap(([groupId, g]) => {
      try {
        return [
          {
            ...{ groupId, name: g.name, memberCount: membersOf(g.channel.state).length },
            status: g.status,
            // Admins only (ADR 0135); in a group made before roles, every member.
            canManage: g.status === 'member' && admin.canManage(g.channel.state),
            lastActivityAt: g.lastActivityAt,
          },
        ]
      } catch (err) {
        this.unreadable(groupId, err)
        return []
      }
    })
  }

  /** Members as contacts: leaf, contact (undefined: not a contact, or held), us, held by whom. */
  members(groupId: string) {
    const state = this.entry(groupId).channel.state
    return this.membersByContact(state).map((m) => ({
      ...m,
      role: admin.roleOf(state, m.keyId === undefined ? undefined : fromBase64Url(m.keyId)),
    }))
  }

  /** Reads the group mailbox (nothing once removed or left). */
  async catchUp(groupId: string): Promise<void> {
    const g = this.entry(groupId)
    if (g.status !== 'member') return
    await g.channel.catchUp()
    await this.retryMove(groupId)
    this.updateLeafWhenDue(groupId)
  }

  /**
   * Updates this device's own leaf (an empty commit: a fresh leaf key and path, a new epoch), so a
   * leaf key that leaked stops opening the group (ADR 0136). Anyone's, admin or not.
   */
  async updateLeaf(groupId: string): Promise<void> {
    const { channel } = this.active(groupId)
    await channel.commit(() => ({ selfRemoves: true })) // with any pending leave (ADR 0138)
    this.leaf.updated(groupId)
    await this.save(groupId)
  }

  /** After 500 messages sent or 7 days (ADR 0136), in the background. */
  private updateLeafWhenDue(groupId: string): void {
    if (this.groups.get(groupId)?.status !== 'member') return
    this.leaf.whenDue(groupId, () => this.updateLeaf(groupId), this.io.log)
  }

  /** The group's state (for tests and views). */
  stateOf(groupId: string): Group {
    return this.entry(groupId).channel.state
  }

  /** Group bytes that arrived inside the 1:1 session of `contactId`. */
  async receive(contactId: string, bytes: Uint8Array): Promise<void> {
    let m: GroupDirectMessage
    try {
      m = decodeGroupDirect(bytes)
    } catch (err) {
      this.refuse(undefined, contactId, err)
      return
    }
    const key = toHex(m.groupId)
    try {
      const b = m.body
      const j = this.joining
      if (b.kind === 'key_package_request') await j.offerKeyPackage(contactId, m.groupId)
      else if (b.kind === 'key_package') await j.addFromKeyPackage(contactId, key, b.keyPackage)
      else if (b.kind === 'invite_part') await j.invitePart(contactId, key, b)
      else await this.directFrame(contactId, key, b.frame)
    } catch (err) {
      this.refuse(key, contactId, err)
    }
  }

  private async sendContent(groupId: string, content: GroupContent): Promise<Uint8Array> {
    const g = this.active(groupId)
    return g.channel.send(encodeGroupContent(content), async (frame) => {
      const others = this.membersByContact(g.channel.state).filter((m) => !m.self)
      let all = true
      for (const m of others) {
        const reached =
          m.contact !== undefined &&
          (await this.send(m.contact, { groupId: g.id, body: { kind: 'frame', frame } }, true))
        all &&= reached
      }
      return { allReached: all }
    })
  }

  private async directFrame(contactId: string, key: string, frame: Uint8Array): Promise<void> {
    const g = this.groups.get(key)
    // A held contact's frames are read too: MLS names the sender, the message is stored as held.
    const member =
      g &&
      this.membersByContact(g.channel.state).some(
        (m) => m.contact === contactId || m.heldBy === contactId,
      )
    if (g === undefined || !member)
      throw new ProtocolError('malformed', 'not a member of this group')
    if (g.status !== 'member') return
    await g.channel.receiveDirect(frame)
  }

  private membersByContact(group: Group): MemberByContact[] {
    return membersByContact(this.io, group)
  }

  private identityOf(credential: Uint8Array, signatureKey: Uint8Array): Uint8Array | undefined {
    return identityOfMember(credential, signatureKey)
  }

  private channelIo(key: string) {
    // The port is made when first used: a restored entry's home is known by then.
    const port = () => {
      let p = this.ports.get(key)
      if (p === undefined) this.ports.set(key, (p = this.io.mailboxPort(this.entry(key).home)))
      return p
    }
    return {
      mailbox: {
        append: (bytes: Uint8Array, expected?: bigint) => port().append(bytes, expected),
        read: (after: bigint) => port().read(after),
        get entryKey() {
          return port().entryKey
        },
      },
      random: this.io.random,
      onEvent: (e: GroupEvent) => this.channelEvent(key, e),
      settled: () => this.save(key),
    }
  }

  private channelEvent(groupId: string, e: GroupEvent): void {
    if (e.kind === 'message') this.contentEvent(groupId, e)
    else if (e.kind === 'proposal') this.scheduleLeaves(groupId)
    else if (e.kind === 'commit') {
      this.rolesApplied(groupId, e.committer)
      this.talk.commitApplied(groupId, e.committer, e.leavers)
      this.announce({ kind: 'changed', groupId, change: 'members', by: null })
    } else if (e.kind === 'removed') {
      const g = this.groups.get(groupId)
      if (g !== undefined) g.status = 'removed'
      const by = e.committer === undefined ? undefined : g?.roster.get(e.committer)
      void this.history.line(groupId, { kind: 'removed', member: null, ...(by ? { by } : {}) })
      this.announce({ kind: 'removed', groupId })
      this.announce({ kind: 'changed', groupId, change: 'removed', by: null })
    } else this.announce({ kind: 'refused', groupId, from: undefined, code: e.code })
  }

  /** Application content from a member (group-content-events.ts). */
  private contentEvent(groupId: string, e: Extract<GroupEvent, { kind: 'message' }>): void {
    applyGroupContent(
      {
        ...{ io: this.io, history: this.history, talk: this.talk },
        entry: (id) => this.groups.get(id),
        identityOf: (c, k) => this.identityOf(c, k),
        refuse: (id, err) => this.refuse(id, undefined, err),
        announce: (event) => this.announce(event),
        commitLeave: (id, leaf, key) => this.commitLeave(id, leaf, key),
        switchTo: (id, home) => this.switchTo(id, home),
      },
      groupId,
      e,
    )
  }

  private track(key: string, e: Omit<GroupEntry, 'roster' | 'leaving'>): void {
    if (this.leaf.stateOf(key) === undefined) this.leaf.track(key)
    this.admins.track(key, e.channel.state)
    this.groups.set(key, { ...e, roster: this.talk.rosterOf(e.channel), leaving: new Set() })
  }

  /** After a commit: a new name or new admins in the roles are told (ADR 0135). */
  private rolesApplied(groupId: string, committer: number | undefined): void {
    const g = this.groups.get(groupId)
    if (g === undefined) return
    const state = g.channel.state
    const own = committer === ownLeaf(state) // our own rename / roles change tells itself
    const by = committer === undefined || own ? undefined : g.roster.get(committer)
    const name = own ? undefined : admin.rolesName(state)
    // The committer as a contact (null: ourselves, or not a contact).
    const contact = by === undefined ? undefined : this.io.contactOfIdentity(fromBase64Url(by))
    if (name !== undefined && name !== g.name) {
      g.name = name
      void this.history.line(groupId, { kind: 'renamed', member: by ?? null, name })
      this.announce({ kind: 'changed', groupId, change: 'renamed', by: contact ?? null })
    }
    if (this.admins.changed(groupId, state))
      this.announce({ kind: 'changed', groupId, change: 'roles', by: contact ?? null })
  }

  /** A member's own leave is pending: commit it in this device's turn (group-leave-order.ts). */
  private scheduleLeaves(groupId: string): void {
    const g = this.groups.get(groupId)
    if (g?.status !== 'member') return
    this.leaves.schedule(groupId, g.channel.state, () => this.commitLeave(groupId))
  }

  /**
   * Members leave: commit their removal unless someone did (the relay orders racers). Anyone
   * commits a leaver's own proposal in its turn (ADR 0138); an admin also removes the member at
   * `leaf` who said it leaves when its proposal is not pending. Only an admin moves the mailbox
   * after it (only its move is followed).
   */
  private async commitLeave(groupId: string, leaf?: number, signatureKey?: Uint8Array) {
    const g = this.groups.get(groupId)
    if (g === undefined || g.status !== 'member') return
    try {
      const removed = await g.channel.commit((group) => admin.leavePlan(group, leaf, signatureKey))
      if (removed !== undefined && admin.canManage(g.channel.state))
        await this.replaceMailbox(groupId)
    } catch (err) {
      this.refuse(groupId, undefined, err)
    }
  }

  /** Events wait for the history writes before them, so a listener reads what it was told. */
  private announce(e: GroupManagerEvent): void {
    void this.history.after(() => this.io.onEvent(e))
  }

  private async save(key: string): Promise<void> {
    const g = this.groups.get(key)
    if (g === undefined) return
    await this.history.settled()
    const { channel } = g
    const record = toGroupRecord(
      {
        ...g,
        key,
        group: channel.state,
        cursor: channel.mailboxCursor,
        knownNext: channel.knownNextId,
      },
      this.io.now(),
    )
    const leafUpdate = this.leaf.stateOf(key)
    const due = this.movesDue.has(key) ? { moveDue: true as const } : {}
    await this.io.store.putGroup({
      ...record,
      ...(leafUpdate === undefined ? {} : { leafUpdate }),
      ...due,
    })
  }

  private send(contactId: string, m: GroupDirectMessage, directOnly: boolean): Promise<boolean> {
    return this.io.sendToContact(contactId, encodeGroupDirect(m), { directOnly })
  }

  private entry(groupId: string): GroupEntry {
    const g = this.groups.get(groupId)
    if (g === undefined) throw new RangeError(`no group ${groupId}`)
    return g
  }

  /** A group this device still takes part in; else a typed error (removed, or left). */
  private active(groupId: string): GroupEntry {
    const g = this.entry(groupId)
    if (g.status !== 'member')
      throw new ProtocolError('wrong_key', `this device ${g.status} the group`)
    return g
  }

  private refuse(groupId: string | undefined, from: string | undefined, err: unknown): void {
    if (!isProtocolError(err)) throw err
    this.io.onEvent({ kind: 'refused', groupId: groupId ?? '', from, code: err.code })
  }
}
