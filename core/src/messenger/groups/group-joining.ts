/**
 * Joining a group through 1:1 sessions (issue 20, docs/protocol/groups.md "Inside 1:1 sessions"),
 * apart from the GroupManager to keep it within its size (ADR 0011): an admin asks a contact for a
 * KeyPackage and adds the contact from the answer; the contact answers with a KeyPackage it keeps
 * (GroupOffers) and joins from the invitation, which arrives in parts.
 *
 * Only answers and invitations this device asked for are taken: nobody can push themselves into a
 * group, nor slip a stranger in through a contact's answer.
 */
import { toHex } from '../../crypto/bytes.ts'
import { verifyMemberCredential } from '../../groups/credential.ts'
import {
  InviteAssembler,
  decodeGroupInvite,
  encodeGroupInvite,
  invitePartsOf,
  type GroupDirectMessage,
} from '../../groups/direct.ts'
import { FRAME_KIND, decodeGroupFrame, encodeGroupFrame } from '../../groups/framing.ts'
import { GroupChannel, type ChannelIo } from '../../groups/group-channel.ts'
import { groupIdOf, keyPackageLeaf, type Group } from '../../groups/mls.ts'
import { ProtocolError } from '../../wire/errors.ts'
import * as admin from './group-admin.ts'
import type { GroupHistory } from './group-history.ts'
import type { GroupMailboxHome, GroupManagerIo } from './group-manager-io.ts'
import type { MemberByContact } from './group-members.ts'
import { GroupOffers } from './group-offers.ts'
import type { GroupStatus } from './group-records.ts'

/** The parts of a group entry joining reads. */
export interface JoiningEntry {
  id: Uint8Array
  name: string
  home: GroupMailboxHome
  channel: GroupChannel
  /** Contacts asked for a KeyPackage, not yet added. */
  asked: Set<string>
  status: GroupStatus
}

/** A group this device just joined, for the manager to keep. */
export interface JoinedGroup extends JoiningEntry {
  /** Names members declared (ADR 0781), by identity key id. */
  names: Map<string, string>
  createdAt: number
  lastActivityAt: number
}

export interface JoiningHost {
  io: GroupManagerIo
  history: GroupHistory
  entry(groupId: string): JoiningEntry | undefined
  has(groupId: string): boolean
  track(groupId: string, joined: JoinedGroup): void
  membersByContact(group: Group): MemberByContact[]
  channelIo(groupId: string): ChannelIo
  send(contactId: string, m: GroupDirectMessage, directOnly: boolean): Promise<boolean>
  save(groupId: string): Promise<void>
  /** We joined: declare our name to the members (ADR 0781). */
  declare(groupId: string): void
}

export class GroupJoining {
  readonly #host: JoiningHost
  readonly #offers: GroupOffers
  readonly #invites: InviteAssembler

  constructor(host: JoiningHost) {
    this.#host = host
    const { io } = host
    this.#offers = new GroupOffers(io.store, io.signingSecret, io.now)
    this.#invites = new InviteAssembler(io.now)
  }

  /** Loads the KeyPackages offered before a restart (call once, first). */
  load(): Promise<void> {
    return this.#offers.load()
  }

  /** A contact's admin asked for a KeyPackage: one is made (or the one offered before) and sent. */
  async offerKeyPackage(contactId: string, groupId: Uint8Array): Promise<void> {
    if (this.#host.has(toHex(groupId))) return // already a member
    const bundle = await this.#offers.offer(`${contactId}/${toHex(groupId)}`, () =>
      this.#host.io.newKeyPackage(),
    )
    const keyPackage = encodeGroupFrame(FRAME_KIND.keyPackage, bundle.bytes)
    await this.#host.send(contactId, { groupId, body: { kind: 'key_package', keyPackage } }, false)
  }

  /** A contact's KeyPackage we asked for: adds the contact and sends the invitation in parts. */
  async addFromKeyPackage(contactId: string, key: string, frame: Uint8Array): Promise<void> {
    const host = this.#host
    const g = host.entry(key)
    // Only an answer we asked for: nobody can push themselves into a group.
    if (g === undefined || !g.asked.has(contactId) || g.status !== 'member') {
      throw new ProtocolError('malformed', 'a KeyPackage nobody asked for')
    }
    const kp = decodeGroupFrame(frame).mls
    // The package must name the contact who answered (its identity key), or anyone could slip a
    // stranger in through a contact's answer. A contact whose key changed and is not accepted
    // yet maps to nobody: held, not added. The group layer verifies the rest when adding.
    const leaf = keyPackageLeaf(kp)
    const who = verifyMemberCredential(leaf.credential, leaf.signatureKey, host.io.now())
    if (host.io.contactOfIdentity(who.identityKey) !== contactId) {
      throw new ProtocolError('wrong_key', 'the KeyPackage names someone else than the contact')
    }
    const added = await g.channel.commit((group) =>
      host.membersByContact(group).some((m) => m.contact === contactId)
        ? undefined
        : admin.addPlan(group, kp),
    )
    g.asked.delete(contactId)
    await host.save(key)
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
    for (const part of invitePartsOf(g.id, invite)) await host.send(contactId, part, false)
  }

  /** A part of an invitation for a KeyPackage we offered; with the last part, joins. */
  async invitePart(
    contactId: string,
    key: string,
    part: { index: number; count: number; chunk: Uint8Array },
  ): Promise<void> {
    const host = this.#host
    const offerKey = `${contactId}/${key}`
    const bundle = this.#offers.get(offerKey)
    if (bundle === undefined) throw new ProtocolError('malformed', 'an invitation nobody asked for')
    // A group already here is never replaced by an invitation (a contact who knows its id and
    // asked us for a KeyPackage before we joined could otherwise swap in a group of its own).
    if (host.has(key)) {
      await this.#offers.drop(offerKey)
      throw new ProtocolError('malformed', 'an invitation for a group this device is already in')
    }
    const bytes = this.#invites.add(contactId, key, part)
    if (bytes === undefined) return
    const invite = decodeGroupInvite(bytes)
    const home: GroupMailboxHome = {
      relays: invite.relays,
      mailboxId: invite.mailboxId,
      authSecret: invite.mailboxAuthSecret,
      capability: invite.mailboxCapability,
    }
    const { io } = host
    const channel = await GroupChannel.join(
      io.suite,
      io.checker,
      invite.welcome,
      bundle,
      invite.afterId,
      host.channelIo(key),
    )
    const id = groupIdOf(channel.state)
    if (toHex(id) !== key) throw new ProtocolError('malformed', 'the welcome is for another group')
    // Roles that do not decode are refused here, before the group is kept: every reader of the
    // roles (the group list, a restore) would throw on them (review rg-9).
    admin.hasRoles(channel.state)
    host.track(key, {
      ...{ id, name: invite.name, home, channel, asked: new Set<string>(), names: new Map() },
      ...{ status: 'member' as const, createdAt: io.now(), lastActivityAt: io.now() },
    })
    await host.history.line(key, { kind: 'joined', member: null })
    await host.save(key)
    await this.#offers.drop(offerKey)
    host.declare(key)
    io.onEvent({ kind: 'joined', groupId: key, name: invite.name, from: contactId })
    io.onEvent({ kind: 'changed', groupId: key, change: 'joined', by: contactId })
  }
}
