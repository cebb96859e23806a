/**
 * What the GroupManager is given (GroupManagerIo) and what it announces (GroupManagerEvent), apart
 * from group-manager.ts to keep that file within its size (ADR 0011).
 */
import type { LeafUpdatePolicy } from './group-leaf-updates.ts'
import type { LeaveCommitTiming } from './group-leave-order.ts'
import type { LeafCredentialCheck } from '../../groups/credential.ts'
import type { GroupMailboxPort } from '../../groups/group-channel.ts'
import type { GroupSuite, KeyPackageBundle } from '../../groups/mls.ts'
import type { GroupMessageRecord } from '../../store/records.ts'
import type { ReceiptDelay } from '../receipt-batcher.ts'
import type { GroupStore } from './group-records.ts'

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
  store: GroupStore
  /** This device's MLS signing key (restores KeyPackages handed out before a restart). */
  signingSecret: Uint8Array
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
  /** The contact whose (accepted, unblocked) identity key this is, if any. */
  contactOfIdentity(identityKey: Uint8Array): string | undefined
  /** The contact with a pending key change that involves this identity key, if any (held). */
  heldOfIdentity?(identityKey: Uint8Array): string | undefined
  /** Creates a group mailbox on this device's home relay. */
  createMailbox(): Promise<GroupMailboxHome>
  mailboxPort(home: GroupMailboxHome): GroupMailboxPort
  onEvent(e: GroupManagerEvent): void
  /** This user's display name, declared to members who are not contacts (ADR 0781). */
  ownName?: () => string
  /** When this device updates its own leaf (ADR 0136); absent: 500 messages or 7 days. */
  leafUpdate?: LeafUpdatePolicy
  /** When this device commits a member's leave (ADR 0138); absent: LEAVE_COMMIT_TIMING. */
  leaveCommit?: LeaveCommitTiming
  /** When group receipts go (ADR 0780); absent: at once. */
  receipts?: { delay: ReceiptDelay; delayed: () => boolean }
  log?: (message: string, err?: unknown) => void
}

export type GroupChange =
  | 'created'
  | 'joined'
  | 'members'
  | 'renamed'
  | 'left'
  | 'removed'
  /** Who is admin changed (ADR 0135). */
  | 'roles'

export type GroupManagerEvent =
  | { kind: 'joined'; groupId: string; name: string; from: string }
  | {
      kind: 'message'
      groupId: string
      text: string
      via: 'direct' | 'mailbox'
      message: GroupMessageRecord
    }
  | { kind: 'changed'; groupId: string; change: GroupChange; by: string | null }
  | { kind: 'removed'; groupId: string }
  /** The group moved to a new group mailbox (after a removal): subscribe to that one. */
  | { kind: 'moved'; groupId: string }
  | { kind: 'refused'; groupId: string; from: string | undefined; code: string }
  /** A system line was stored: a join, removal, leave, rename or key change (ADR 0782). */
  | { kind: 'system'; groupId: string; message: GroupMessageRecord }
  /** A text of ours counted one more member's receipt (ADR 0780). */
  | { kind: 'delivery'; groupId: string; message: GroupMessageRecord }
