/**
 * What members tell each other about the group itself, apart from the GroupManager's delivery
 * work: who is in it (the roster and the system lines its changes give, ADR 0782), the names
 * members declare for those who are not their contacts (ADR 0781), and delivery receipts
 * (ADR 0780). The manager calls in when it applied a commit or read such content.
 */
import { fromBase64Url } from '../../crypto/bytes.ts'
import { encodeGroupContent, type GroupContent } from '../../groups/content.ts'
import type { GroupChannel } from '../../groups/group-channel.ts'
import { membersOf, ownLeaf } from '../../groups/mls.ts'
import { cleanDisplayName } from '../../text/clean.ts'
import type { GroupMessageRecord } from '../../store/records.ts'
import { commitLines, peopleOf, rosterOf, type Roster } from './group-events.ts'
import type { GroupHistory } from './group-history.ts'
import type { GroupManagerEvent, GroupManagerIo } from './group-manager.ts'
import { GroupReceipts } from './group-receipts.ts'

/** The parts of a group entry this module reads and keeps up to date. */
export interface TalkEntry {
  id: Uint8Array
  channel: GroupChannel
  status: 'member' | 'removed' | 'left'
  roster: Roster
  names: Map<string, string>
  leaving: Set<string>
}

export interface MemberTalkHost {
  io: GroupManagerIo
  history: GroupHistory
  entry(groupId: string): TalkEntry | undefined
  entries(): Iterable<[string, TalkEntry]>
  identityOf(credential: Uint8Array, signatureKey: Uint8Array): Uint8Array | undefined
  sendContent(groupId: string, content: GroupContent): Promise<Uint8Array>
  /** A frame over the contact's open connection only; false when there is none. */
  sendDirect(contactId: string, groupId: Uint8Array, frame: Uint8Array): Promise<boolean>
  save(groupId: string): Promise<void>
  announce(e: GroupManagerEvent): void
}

export class GroupMemberTalk {
  readonly #host: MemberTalkHost
  readonly #receipts: GroupReceipts

  constructor(host: MemberTalkHost) {
    this.#host = host
    const { io } = host
    this.#receipts = new GroupReceipts({
      delay: io.receipts?.delay ?? { minMs: 0, maxMs: 0 },
      delayed: io.receipts?.delayed ?? (() => false),
      ...{ random: io.random, store: io.store, log: io.log ?? (() => undefined) },
      send: (groupId, ids, to) => this.#sendReceipt(groupId, ids, to),
    })
  }

  /** Keeps the receipts waiting for their delay for the next start; waits for those being sent. */
  stop(): Promise<void> {
    return this.#receipts.stop()
  }

  /** The start: receipts kept at the last stop wait again, in the groups we are still in. */
  resumeReceipts(): Promise<void> {
    const member = [...this.#host.entries()].filter(([, g]) => g.status === 'member')
    return this.#receipts.resume(member.map(([id]) => id))
  }

  rosterOf(channel: GroupChannel): Roster {
    return rosterOf(membersOf(channel.state), (c, s) => this.#host.identityOf(c, s))
  }

  /** The names members declared in this group (ADR 0781), by identity key id. */
  declaredNames(groupId: string): ReadonlyMap<string, string> {
    return this.#host.entry(groupId)?.names ?? new Map<string, string>()
  }

  /** This user's identity key id in the group ('' if its leaf does not verify). */
  ownKeyId(groupId: string): string {
    const g = this.#host.entry(groupId)
    return g === undefined ? '' : (g.roster.get(ownLeaf(g.channel.state)) ?? '')
  }

  /** The other people in the group now (identity key ids): whom a text of ours is for. */
  recipients(groupId: string): string[] {
    const g = this.#host.entry(groupId)
    const own = this.ownKeyId(groupId)
    return g === undefined ? [] : [...peopleOf(g.roster)].filter((k) => k !== own)
  }

  /**
   * A member's key changed and is not accepted yet: a line in every group it is in, once per
   * change (`changeId`: the new key's id; the line's id is fixed, a repeat is not stored).
   */
  keyChanged(keyId: string, changeId: string): void {
    for (const [groupId, g] of this.#host.entries()) {
      if (g.status !== 'member' || !peopleOf(g.roster).has(keyId)) continue
      const id = `k-${groupId.slice(0, 16)}-${changeId}`
      void this.#host.history.line(groupId, { kind: 'key_changed', member: keyId }, id)
    }
  }

  /** A member's text was stored (shown, not held): acknowledge it later. */
  textStored(groupId: string, message: GroupMessageRecord): void {
    this.#receipts.stored(groupId, message.messageId, message.senderContactId)
  }

  /**
   * A commit was applied: its system lines; new members who are not contacts learn our name.
   * `leavers`: leaves it removed by their own proposal, "left" for everyone (ADR 0138).
   */
  commitApplied(groupId: string, committer: number | undefined, leavers?: number[]): void {
    const g = this.#host.entry(groupId)
    if (g === undefined) return
    const before = g.roster
    for (const leaf of leavers ?? []) {
      const keyId = before.get(leaf)
      if (keyId !== undefined) g.leaving.add(keyId)
    }
    g.roster = this.rosterOf(g.channel)
    const own = this.ownKeyId(groupId)
    const lines = commitLines(before, g.roster, { committer, own, leaving: g.leaving })
    for (const line of lines) void this.#host.history.line(groupId, line)
    const stranger = (k: string | null) =>
      k !== null && this.#host.io.contactOfIdentity(fromBase64Url(k)) === undefined
    if (lines.some((l) => l.kind === 'joined' && stranger(l.member))) void this.declare(groupId)
  }

  /** Tells the group the name this user goes by (for members who are not its contacts). */
  async declare(groupId: string): Promise<void> {
    const name = cleanDisplayName(this.#host.io.ownName?.() ?? '').slice(0, 256)
    if (name === '' || this.#host.entry(groupId)?.status !== 'member') return
    await this.#host
      .sendContent(groupId, { kind: 'profile', name })
      .catch((err: unknown) => this.#host.io.log?.('group profile not sent', err))
  }

  /** A receipt or a declared name from the member `keyId` (MLS authenticated the sender). */
  async memberSaid(
    groupId: string,
    keyId: string,
    content: Extract<GroupContent, { kind: 'receipt' | 'profile' }>,
  ): Promise<void> {
    const g = this.#host.entry(groupId)
    if (g === undefined || keyId === this.ownKeyId(groupId)) return
    if (content.kind === 'profile') {
      const name = cleanDisplayName(content.name)
      if (name === '' || g.names.get(keyId) === name) return
      g.names.set(keyId, name)
      await this.#host.save(groupId)
      this.#host.announce({ kind: 'changed', groupId, change: 'members', by: null })
      return
    }
    for (const message of await this.#receipts.acknowledged(groupId, keyId, content.ids))
      this.#host.announce({ kind: 'delivery', groupId, message })
  }

  /** One receipt: directly to the senders it names when online contacts, else the mailbox. */
  async #sendReceipt(
    groupId: string,
    ids: Uint8Array[],
    to: ReadonlySet<string | null>,
  ): Promise<void> {
    const g = this.#host.entry(groupId)
    if (g?.status !== 'member') return
    for (let i = 0; i < ids.length; i += 100) {
      const content = encodeGroupContent({ kind: 'receipt', ids: ids.slice(i, i + 100) })
      await g.channel.send(content, async (frame) => {
        let all = !to.has(null)
        for (const c of to)
          if (c !== null) all = (await this.#host.sendDirect(c, g.id, frame)) && all
        return { allReached: all }
      })
    }
  }
}
