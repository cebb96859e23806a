/**
 * Groups inside the messenger (issue 20): one GroupChannel per group, the 1:1 traffic around it
 * (KeyPackage request and answer, the invitation in parts, application frames sent directly), and
 * the mapping between group members and contacts (by the identity key in each member credential,
 * the key the safety number verifies). docs/protocol/groups.md "Inside 1:1 sessions".
 *
 * Everything that leaves this device for a contact goes through `io.sendToContact`, i.e. inside
 * the contact's 1:1 session: welcomes, KeyPackages and the group mailbox credentials are never
 * readable by a relay. Group state lives in memory for now (persistence is not built).
 */
import { toHex } from '../../crypto/bytes.ts'
import { verifyMemberCredential, type LeafCredentialCheck } from '../../groups/credential.ts'
import {
  InviteAssembler,
  decodeGroupDirect,
  decodeGroupInvite,
  encodeGroupDirect,
  encodeGroupInvite,
  invitePartsOf,
  type GroupDirectMessage,
} from '../../groups/direct.ts'
import { FRAME_KIND, decodeGroupFrame, encodeGroupFrame } from '../../groups/framing.ts'
import { GroupChannel, type GroupEvent, type GroupMailboxPort } from '../../groups/group-channel.ts'
import {
  groupIdOf,
  keyPackageLeaf,
  membersOf,
  ownLeaf,
  type Group,
  type GroupSuite,
  type KeyPackageBundle,
} from '../../groups/mls.ts'
import { isProtocolError, ProtocolError } from '../../wire/errors.ts'

export interface GroupMailboxHome {
  relays: string[]
  mailboxId: Uint8Array
  authSecret: Uint8Array
  capability: Uint8Array
}

export interface GroupManagerIo {
  suite: GroupSuite
  checker: LeafCredentialCheck
  now: () => number
  random: (n: number) => Uint8Array
  /** A fresh KeyPackage of this device (its MemberCredential and MLS signing key). */
  newKeyPackage(): Promise<KeyPackageBundle>
  /**
   * Sends bytes inside the contact's 1:1 session. `directOnly`: only over a live connection now
   * (resolves false when there is none); otherwise queued like any 1:1 message.
   */
  sendToContact(
    contactId: string,
    bytes: Uint8Array,
    opts: { directOnly: boolean },
  ): Promise<boolean>
  /** The contact whose identity key this is, if any. */
  contactOfIdentity(identityKey: Uint8Array): string | undefined
  /** Creates a group mailbox on this device's home relay. */
  createMailbox(): Promise<GroupMailboxHome>
  mailboxPort(home: GroupMailboxHome): GroupMailboxPort
  onEvent(e: GroupManagerEvent): void
}

export type GroupManagerEvent =
  | { kind: 'joined'; groupId: string; name: string; from: string }
  | { kind: 'message'; groupId: string; text: string; via: 'direct' | 'mailbox' }
  | { kind: 'removed'; groupId: string }
  | { kind: 'refused'; groupId: string; from: string | undefined; code: string }

interface GroupEntry {
  id: Uint8Array
  name: string
  home: GroupMailboxHome
  channel: GroupChannel
  /** Contacts asked for a KeyPackage, not yet added. */
  asked: Set<string>
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

export class GroupManager {
  private readonly groups = new Map<string, GroupEntry>()
  /** KeyPackages we handed to a contact for a group, kept until its invitation arrives. */
  private readonly offered = new Map<string, KeyPackageBundle>()
  private readonly invites = new InviteAssembler()
  private readonly io: GroupManagerIo

  constructor(io: GroupManagerIo) {
    this.io = io
  }

  /** Creates a group with this device as its only member; resolves with its id (hex). */
  async create(name: string): Promise<string> {
    const home = await this.io.createMailbox()
    const id = this.io.random(32)
    const key = toHex(id)
    const channel = await GroupChannel.create(
      this.io.suite,
      this.io.checker,
      id,
      await this.io.newKeyPackage(),
      this.channelIo(key, home),
    )
    this.groups.set(key, { id, name, home, channel, asked: new Set() })
    return key
  }

  /** Asks each contact for a KeyPackage; each is added when its answer arrives. */
  async addContacts(groupId: string, contactIds: readonly string[]): Promise<void> {
    const g = this.entry(groupId)
    for (const c of contactIds) {
      g.asked.add(c)
      await this.send(c, { groupId: g.id, body: { kind: 'key_package_request' } }, false)
    }
  }

  /** Removes every device of the contact from the group (a new epoch at once). */
  async removeContact(groupId: string, contactId: string): Promise<void> {
    const g = this.entry(groupId)
    await g.channel.commit((group) => {
      const leaves = this.membersByContact(group)
        .filter((m) => m.contact === contactId)
        .map((m) => m.leaf)
      return leaves.length === 0 ? undefined : { remove: leaves }
    })
  }

  /** Sends text: directly to members online, the group mailbox for the others. */
  async sendText(groupId: string, text: string): Promise<void> {
    const g = this.entry(groupId)
    await g.channel.send(utf8.encode(text), async (frame) => {
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

  has(groupId: string): boolean {
    return this.groups.has(groupId)
  }

  list(): { groupId: string; name: string; memberCount: number }[] {
    return [...this.groups.entries()].map(([groupId, g]) => ({
      groupId,
      name: g.name,
      memberCount: membersOf(g.channel.state).length,
    }))
  }

  catchUp(groupId: string): Promise<void> {
    return this.entry(groupId).channel.catchUp()
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
      if (b.kind === 'key_package_request') await this.offerKeyPackage(contactId, m.groupId)
      else if (b.kind === 'key_package') await this.addFromKeyPackage(contactId, key, b.keyPackage)
      else if (b.kind === 'invite_part') await this.invitePart(contactId, key, b)
      else await this.directFrame(contactId, key, b.frame)
    } catch (err) {
      this.refuse(key, contactId, err)
    }
  }

  private async offerKeyPackage(contactId: string, groupId: Uint8Array): Promise<void> {
    const key = `${contactId}/${toHex(groupId)}`
    if (this.groups.has(toHex(groupId))) return // already a member
    const bundle = this.offered.get(key) ?? (await this.io.newKeyPackage())
    this.offered.set(key, bundle)
    const keyPackage = encodeGroupFrame(FRAME_KIND.keyPackage, bundle.bytes)
    await this.send(contactId, { groupId, body: { kind: 'key_package', keyPackage } }, false)
  }

  private async addFromKeyPackage(contactId: string, key: string, frame: Uint8Array) {
    const g = this.groups.get(key)
    // Only an answer we asked for: nobody can push themselves into a group.
    if (g === undefined || !g.asked.has(contactId)) {
      throw new ProtocolError('malformed', 'a KeyPackage nobody asked for')
    }
    const kp = decodeGroupFrame(frame).mls
    // The package must name the contact who answered (its identity key), or anyone could slip a
    // stranger in through a contact's answer. The group layer verifies the rest when adding.
    const leaf = keyPackageLeaf(kp)
    const who = verifyMemberCredential(leaf.credential, leaf.signatureKey, this.io.now())
    if (this.io.contactOfIdentity(who.identityKey) !== contactId) {
      throw new ProtocolError('wrong_key', 'the KeyPackage names someone else than the contact')
    }
    const added = await g.channel.commit((group) =>
      this.membersByContact(group).some((m) => m.contact === contactId) ? undefined : { add: [kp] },
    )
    g.asked.delete(contactId)
    if (added?.welcome === undefined) return // already in the group
    const invite = encodeGroupInvite({
      welcome: added.welcome,
      relays: g.home.relays,
      mailboxId: g.home.mailboxId,
      mailboxAuthSecret: g.home.authSecret,
      mailboxCapability: g.home.capability,
      afterId: added.mailboxId,
      name: g.name,
    })
    for (const part of invitePartsOf(g.id, invite)) await this.send(contactId, part, false)
  }

  private async invitePart(
    contactId: string,
    key: string,
    part: { index: number; count: number; chunk: Uint8Array },
  ): Promise<void> {
    const offerKey = `${contactId}/${key}`
    const bundle = this.offered.get(offerKey)
    if (bundle === undefined) throw new ProtocolError('malformed', 'an invitation nobody asked for')
    const bytes = this.invites.add(offerKey, part)
    if (bytes === undefined) return
    const invite = decodeGroupInvite(bytes)
    const home: GroupMailboxHome = {
      relays: invite.relays,
      mailboxId: invite.mailboxId,
      authSecret: invite.mailboxAuthSecret,
      capability: invite.mailboxCapability,
    }
    const channel = await GroupChannel.join(
      this.io.suite,
      this.io.checker,
      invite.welcome,
      bundle,
      invite.afterId,
      this.channelIo(key, home),
    )
    this.offered.delete(offerKey)
    const id = groupIdOf(channel.state)
    if (toHex(id) !== key) throw new ProtocolError('malformed', 'the welcome is for another group')
    this.groups.set(key, { id, name: invite.name, home, channel, asked: new Set() })
    this.io.onEvent({ kind: 'joined', groupId: key, name: invite.name, from: contactId })
  }

  private async directFrame(contactId: string, key: string, frame: Uint8Array): Promise<void> {
    const g = this.groups.get(key)
    const member = g && this.membersByContact(g.channel.state).some((m) => m.contact === contactId)
    if (g === undefined || !member)
      throw new ProtocolError('malformed', 'not a member of this group')
    await g.channel.receiveDirect(frame)
  }

  private membersByContact(group: Group) {
    const own = ownLeaf(group)
    return membersOf(group).map((m) => {
      let identity: Uint8Array | undefined
      try {
        identity = verifyMemberCredential(m.credential, m.signatureKey, this.io.now()).identityKey
      } catch {
        identity = undefined
      }
      const self = m.leaf === own
      const contact = identity === undefined ? undefined : this.io.contactOfIdentity(identity)
      return { leaf: m.leaf, self, contact }
    })
  }

  private channelIo(key: string, home: GroupMailboxHome) {
    return {
      mailbox: this.io.mailboxPort(home),
      random: this.io.random,
      onEvent: (e: GroupEvent) => this.channelEvent(key, e),
    }
  }

  private channelEvent(groupId: string, e: GroupEvent): void {
    if (e.kind === 'message') {
      let text: string
      try {
        text = fromUtf8.decode(e.data)
      } catch {
        this.io.onEvent({ kind: 'refused', groupId, from: undefined, code: 'malformed' })
        return
      }
      this.io.onEvent({ kind: 'message', groupId, text, via: e.via })
    } else if (e.kind === 'removed') this.io.onEvent({ kind: 'removed', groupId })
    else if (e.kind === 'rejected') {
      this.io.onEvent({ kind: 'refused', groupId, from: undefined, code: e.code })
    }
  }

  private send(contactId: string, m: GroupDirectMessage, directOnly: boolean): Promise<boolean> {
    return this.io.sendToContact(contactId, encodeGroupDirect(m), { directOnly })
  }

  private entry(groupId: string): GroupEntry {
    const g = this.groups.get(groupId)
    if (g === undefined) throw new RangeError(`no group ${groupId}`)
    return g
  }

  private refuse(groupId: string | undefined, from: string, err: unknown): void {
    if (!isProtocolError(err)) throw err
    this.io.onEvent({ kind: 'refused', groupId: groupId ?? '', from, code: err.code })
  }
}
