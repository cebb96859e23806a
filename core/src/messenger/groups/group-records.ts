/**
 * A group as the store keeps it (GroupRecord, docs/protocol/storage.md) and back. The MLS state
 * is the library's own encoding; cursors are decimal strings (bigints do not survive every store).
 */
import { decodeGroup, encodeGroup } from '../../groups/mls-state.ts'
import type { LeafCredentialCheck } from '../../groups/credential.ts'
import type { Group, GroupSuite } from '../../groups/mls.ts'
import type { GroupRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import type { GroupMailboxHome } from './group-manager.ts'

/** What the group manager needs of the store. */
export type GroupStore = Pick<
  StoreOperations,
  | 'putGroup'
  | 'getGroup'
  | 'listGroups'
  | 'addGroupMessage'
  | 'pageGroupMessages'
  | 'getGroupDevice'
  | 'putGroupDevice'
  | 'getGroupMessage'
  | 'putGroupMessage'
>

export type GroupStatus = GroupRecord['status']

/** The parts of a group entry the record keeps. */
export interface GroupSnapshot {
  key: string
  name: string
  home: GroupMailboxHome
  group: Group
  cursor: bigint
  knownNext: bigint
  asked: Iterable<string>
  status: GroupStatus
  createdAt: number
  lastActivityAt: number
  /** Names members declared (ADR 0781), by identity key id. */
  names: ReadonlyMap<string, string>
}

export function toGroupRecord(s: GroupSnapshot, now: number): GroupRecord {
  return {
    groupId: s.key,
    name: s.name,
    mlsState: encodeGroup(s.group),
    mailbox: {
      relays: [...s.home.relays],
      mailboxId: s.home.mailboxId,
      authSecret: s.home.authSecret,
      capability: s.home.capability,
    },
    cursor: s.cursor.toString(),
    knownNext: s.knownNext.toString(),
    asked: [...s.asked],
    status: s.status,
    createdAt: s.createdAt,
    updatedAt: now,
    memberNames: Object.fromEntries(s.names),
  }
}

/** `lastActivityAt`: the newest stored message's time (the record does not keep it). */
export function fromGroupRecord(
  r: GroupRecord,
  suite: GroupSuite,
  checker: LeafCredentialCheck,
  lastActivityAt: number | undefined,
): GroupSnapshot {
  return {
    key: r.groupId,
    name: r.name,
    home: { ...r.mailbox, relays: [...r.mailbox.relays] },
    group: decodeGroup(suite, checker, r.mlsState),
    cursor: BigInt(r.cursor),
    knownNext: BigInt(r.knownNext),
    asked: r.asked,
    status: r.status,
    createdAt: r.createdAt,
    lastActivityAt: lastActivityAt ?? r.createdAt,
    names: new Map(Object.entries(r.memberNames ?? {})),
  }
}
