/**
 * The admin rule (issue 20, ADR 0135), applied by every member to every commit it reads, and by a
 * committer to its own before it is sent:
 *
 * - A commit with no proposals (a member's own leaf update, post-compromise security) is anyone's.
 * - So is a commit of nothing but members' own proposals to remove themselves, by reference
 *   (a member leaving, ADR 0138): MLS verified each one's signature under the leaver's own leaf.
 * - Any other commit must come from an admin of the epoch before it (with no listed admin left
 *   in the tree, the longest-standing person present: `presentRoles`, ADR 0138). It may only add,
 *   remove and replace the group context extensions, proposed inline by the committer, besides
 *   such self-removals (never updates of others, PSKs or re-inits).
 * - A commit that adds must carry the new roles, and any new roles must list exactly the people
 *   left in the tree in the agreed order (roles.ts `membersAfter`); an admin chooses the admin
 *   flags and the name, and the roles codec refuses a group without an admin.
 * - A removal carries no roles: ts-mls 1.6.4 encrypts a commit's path under the group context
 *   before its extensions change while receivers decrypt under the changed one, so a commit with
 *   both a path (which a removal needs) and new extensions fails for everyone (ADR 0135). The
 *   removed person's entry stays listed until the next roles change drops it; a listed person
 *   without a leaf counts for nothing (`presentRoles`).
 *
 * Deterministic on purpose: it reads only the epoch's tree and roles and the commit itself (no
 * clock, no contacts), so every honest member accepts or refuses the same commit, and they stay in
 * one epoch. A group without roles (made before them, or by tests of the bare library) has no rule.
 */
import { toHex } from '../crypto/bytes.ts'
import { ProtocolError } from '../wire/errors.ts'
import type {
  CommitCheck,
  CommitInfo,
  CommitProposal,
  GroupExtension,
  ProposalCheck,
} from './commit-info.ts'
import { identityOfCredential } from './credential.ts'
import { extensionOf, keyPackageLeaf, membersOf, pendingSelfRemoves, type Group } from './mls.ts'
import {
  ROLES_EXTENSION_TYPE,
  decodeRoles,
  encodeRoles,
  isAdmin,
  membersAfter,
  type GroupRoles,
} from './roles.ts'

/** The group's roles as its context lists them (undefined for a group without roles). */
export function rolesOf(group: Group): GroupRoles | undefined {
  const data = extensionOf(group, ROLES_EXTENSION_TYPE)
  return data === undefined ? undefined : decodeRoles(data)
}

/**
 * The roles of the people who have a leaf now (a removed or departed person stays listed until
 * the next roles change), as every member applies them: when no listed admin has a leaf left
 * (two last admins left at once, an admin's only device removed itself), the longest-standing
 * person present is admin — the rule of the last admin leaving (ADR 0138).
 */
export function presentRoles(group: Group): GroupRoles | undefined {
  const roles = rolesOf(group)
  return roles === undefined ? undefined : effectiveRoles(roles, identitiesByLeaf(group))
}

function effectiveRoles(roles: GroupRoles, leaves: Map<number, Uint8Array>): GroupRoles {
  const present = new Set([...leaves.values()].map(toHex))
  const members = roles.members.filter((m) => present.has(toHex(m.identity)))
  if (members.some((m) => m.admin) || members.length === 0) return { ...roles, members }
  return { ...roles, members: members.map((m, i) => ({ ...m, admin: i === 0 })) }
}

/** A proposal by reference that removes its own sender: a member leaving (ADR 0138). */
function isSelfRemove(p: CommitProposal): boolean {
  return p.kind === 'remove' && p.sender !== undefined && p.leaf === p.sender
}

/**
 * What a member keeps of the proposals it reads from the mailbox (ADR 0138): only a member's
 * proposal to remove itself, once per leaf. Anything else is refused by every member alike, so
 * no one can commit it (`not_admin` for removing someone else, `malformed` for the rest).
 */
export function proposalCheckFor(group: Group): ProposalCheck {
  const pending = new Set(pendingSelfRemoves(group))
  return (p) => {
    if (p.kind === 'remove' && !isSelfRemove(p))
      refuse('not_admin', 'a member proposes only its own removal')
    if (!isSelfRemove(p)) refuse('malformed', `a ${p.kind} proposal by reference`)
    if (pending.has(p.sender!)) refuse('malformed', 'this member already said it leaves')
  }
}

export function rolesExtension(roles: GroupRoles): GroupExtension {
  return { type: ROLES_EXTENSION_TYPE, data: encodeRoles(roles) }
}

/** Identity key of each leaf (the library accepted every leaf, so each credential decodes). */
function identitiesByLeaf(group: Group): Map<number, Uint8Array> {
  return new Map(membersOf(group).map((m) => [m.leaf, identityOfCredential(m.credential)]))
}

/** The identity key of the member at `leaf` now, if any. */
export function identityAt(group: Group, leaf: number): Uint8Array | undefined {
  return identitiesByLeaf(group).get(leaf)
}

/**
 * The rule for commits on `group`. A group without roles has no admin rule, but roles it is given
 * must still decode: a value that does not would make every later reader of the group's roles
 * throw (its list, its restore after a restart; review rg-9), so every member refuses it alike.
 */
export function commitCheckFor(group: Group): CommitCheck {
  const roles = rolesOf(group)
  if (roles === undefined) return checkGivenRoles
  const leaves = identitiesByLeaf(group)
  return (info) => checkCommit(roles, leaves, info)
}

/** Any roles value a commit sets decodes, or the commit is refused ('malformed'). */
function checkGivenRoles(info: CommitInfo): void {
  for (const p of info.proposals) {
    if (p.kind !== 'extensions') continue
    for (const e of p.extensions) if (e.type === ROLES_EXTENSION_TYPE) decodeRoles(e.data)
  }
}

function refuse(code: 'not_admin' | 'malformed', why: string): never {
  throw new ProtocolError(code, `group commit refused: ${why}`)
}

function checkCommit(roles: GroupRoles, leaves: Map<number, Uint8Array>, info: CommitInfo): void {
  const { committer, proposals } = info
  if (proposals.length === 0) return // a leaf update: every member's own
  // Another member's proposal is committed only when it removes that member (ADR 0138).
  const leavers = proposals.filter((p) => p.sender !== committer)
  if (!leavers.every(isSelfRemove)) refuse('malformed', 'proposals by reference are not used')
  if (leavers.length === proposals.length) return // members who left: anyone commits that
  const admins = effectiveRoles(roles, leaves)
  if (!isAdmin(admins, committer === undefined ? undefined : leaves.get(committer)))
    refuse('not_admin', 'only an admin adds, removes, renames or changes roles')
  const removed = new Set<number>()
  const added: Uint8Array[] = []
  let extensions: readonly GroupExtension[] | undefined
  for (const p of proposals) {
    if (p.kind === 'remove') removed.add(p.leaf)
    else if (p.kind === 'add') added.push(identityOfCredential(p.credential))
    else if (p.kind === 'extensions') extensions = p.extensions
    else refuse('malformed', `a ${p.type} proposal`)
  }
  if (extensions === undefined) {
    if (added.length > 0) refuse('malformed', 'an add without the new roles')
    return
  }
  if (extensions.length !== 1 || extensions[0]!.type !== ROLES_EXTENSION_TYPE)
    refuse('malformed', 'the group context must hold the roles and nothing else')
  const next = decodeRoles(extensions[0]!.data)
  const remaining = [...leaves].filter(([leaf]) => !removed.has(leaf)).map(([, id]) => id)
  const expected = membersAfter(roles, remaining, added).map(toHex)
  const listed = next.members.map((m) => toHex(m.identity))
  if (listed.length !== expected.length || listed.some((id, i) => id !== expected[i]))
    refuse('malformed', 'the roles do not list the members left, in their order')
}

/** What an admin changes besides membership: admin flags by identity key, and the name. */
export interface RoleEdits {
  readonly admins?: readonly { identity: Uint8Array; admin: boolean }[]
  readonly name?: string
}

/**
 * The roles an honest committer puts in a commit that removes `remove` (leaves) and adds the
 * `add` KeyPackages, with `edits`: the same list every member will expect.
 */
export function plannedRoles(
  group: Group,
  change: { remove?: readonly number[]; add?: readonly Uint8Array[] },
  edits: RoleEdits = {},
): GroupRoles {
  const roles = rolesOf(group)
  if (roles === undefined) throw new ProtocolError('malformed', 'this group has no roles')
  const removed = new Set(change.remove ?? [])
  const remaining = [...identitiesByLeaf(group)]
    .filter(([leaf]) => !removed.has(leaf))
    .map(([, id]) => id)
  const added = (change.add ?? []).map((kp) => identityOfCredential(keyPackageLeaf(kp).credential))
  // Flags of the people who stay (as applied: ADR 0138); anyone new starts as a member.
  const stay = new Set(remaining.map(toHex))
  const admin = new Map(
    effectiveRoles(roles, identitiesByLeaf(group))
      .members.filter((m) => stay.has(toHex(m.identity)))
      .map((m) => [toHex(m.identity), m.admin]),
  )
  for (const e of edits.admins ?? []) admin.set(toHex(e.identity), e.admin)
  return {
    name: edits.name ?? roles.name,
    members: membersAfter(roles, remaining, added).map((identity) => ({
      identity,
      admin: admin.get(toHex(identity)) ?? false,
    })),
  }
}
