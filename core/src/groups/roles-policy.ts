/**
 * The admin rule (issue 20, ADR 0135), applied by every member to every commit it reads, and by a
 * committer to its own before it is sent:
 *
 * - A commit with no proposals (a member's own leaf update, post-compromise security) is anyone's.
 * - Any other commit must come from an admin of the epoch before it. It may only add, remove and
 *   replace the group context extensions, all proposed inline by the committer (Hestia never
 *   commits proposals by reference, updates of others, PSKs or re-inits).
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
import type { CommitCheck, CommitInfo, GroupExtension } from './commit-info.ts'
import { identityOfCredential } from './credential.ts'
import { extensionOf, keyPackageLeaf, membersOf, type Group } from './mls.ts'
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
 * The roles of the people who have a leaf now (a removed person stays listed until the next
 * roles change). Never without an admin: only admins remove, and nobody removes themselves.
 */
export function presentRoles(group: Group): GroupRoles | undefined {
  const roles = rolesOf(group)
  if (roles === undefined) return undefined
  const present = new Set([...identitiesByLeaf(group).values()].map(toHex))
  return { ...roles, members: roles.members.filter((m) => present.has(toHex(m.identity))) }
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

/** The rule for commits on `group` (undefined: a group without roles has none). */
export function commitCheckFor(group: Group): CommitCheck | undefined {
  const roles = rolesOf(group)
  if (roles === undefined) return undefined
  const leaves = identitiesByLeaf(group)
  return (info) => checkCommit(roles, leaves, info)
}

function refuse(code: 'not_admin' | 'malformed', why: string): never {
  throw new ProtocolError(code, `group commit refused: ${why}`)
}

function checkCommit(roles: GroupRoles, leaves: Map<number, Uint8Array>, info: CommitInfo): void {
  const { committer, proposals } = info
  if (proposals.length === 0) return // a leaf update: every member's own
  if (proposals.some((p) => p.sender !== committer))
    refuse('malformed', 'proposals by reference are not used')
  if (!isAdmin(roles, committer === undefined ? undefined : leaves.get(committer)))
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
  // Flags of the people who stay; anyone new (or added again) starts as a member.
  const stay = new Set(remaining.map(toHex))
  const admin = new Map(
    roles.members
      .filter((m) => stay.has(toHex(m.identity)))
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
