/**
 * Admins in the messenger (issue 20, ADR 0135): what this device may do in a group and the
 * commits it makes for roles, built on the group layer's roles (core/src/groups/roles*.ts). The
 * rule itself is enforced by every member's GroupChannel; these checks only stop an honest
 * device from sending a commit the others would refuse, with a typed error first.
 *
 * A group without roles (made before them) keeps the old behaviour: every member manages.
 */
import { toHex } from '../../crypto/bytes.ts'
import { identityOfCredential } from '../../groups/credential.ts'
import {
  keyPackageLeaf,
  membersOf,
  ownLeaf,
  pendingSelfRemoves,
  type Group,
  type GroupChanges,
  type GroupExtension,
  type KeyPackageBundle,
} from '../../groups/mls.ts'
import {
  identityAt,
  plannedRoles,
  presentRoles,
  rolesExtension,
  rolesOf,
  type RoleEdits,
} from '../../groups/roles-policy.ts'
import { isAdmin, successorOf } from '../../groups/roles.ts'
import type { GroupChannel } from '../../groups/group-channel.ts'
import { ProtocolError } from '../../wire/errors.ts'

/** The roles a new group starts with: its name, and the creator as its only admin. */
export function creatorRoles(name: string, own: KeyPackageBundle): GroupExtension[] {
  const identity = identityOfCredential(keyPackageLeaf(own.bytes).credential)
  return [rolesExtension({ name, members: [{ identity, admin: true }] })]
}

export function ownIdentity(group: Group): Uint8Array | undefined {
  return identityAt(group, ownLeaf(group))
}

/** Whether this device may add, remove, rename and change roles now. */
export function canManage(group: Group): boolean {
  const roles = presentRoles(group)
  return roles === undefined || isAdmin(roles, ownIdentity(group))
}

export function hasRoles(group: Group): boolean {
  return rolesOf(group) !== undefined
}

/** 'admin' or 'member' for a person in the group (a group without roles: everyone manages). */
export function roleOf(group: Group, identity: Uint8Array | undefined): 'admin' | 'member' {
  const roles = presentRoles(group)
  return roles === undefined || isAdmin(roles, identity) ? 'admin' : 'member'
}

/** The people who are admins now (identity keys, hex). */
export function adminKeys(group: Group): Set<string> {
  const roles = presentRoles(group)
  return new Set(roles?.members.filter((m) => m.admin).map((m) => toHex(m.identity)) ?? [])
}

/** The group's name as its roles say (undefined for a group without roles). */
export function rolesName(group: Group): string | undefined {
  return rolesOf(group)?.name
}

/** Throws the typed error an honest device gives before it commits what only admins may. */
export function requireAdmin(group: Group): void {
  if (!canManage(group))
    throw new ProtocolError('not_admin', 'only an admin of this group may do this')
}

/** Adds one KeyPackage, with the roles that list the new person (a roles group). */
export function addPlan(group: Group, keyPackage: Uint8Array): GroupChanges {
  const change = { add: [keyPackage] }
  if (!hasRoles(group)) return change
  return { ...change, extensions: [rolesExtension(plannedRoles(group, change))] }
}

/** A roles change (promote, demote, rename): a commit of new roles only. */
export function rolesPlan(group: Group, edits: RoleEdits): GroupChanges {
  return { extensions: [rolesExtension(plannedRoles(group, {}, edits))] }
}

/**
 * When this device's person is the last admin and leaves: the promotion of the longest-standing
 * other person (ADR 0135), committed before the leave so the group keeps an admin. Undefined when
 * there is another admin, nobody else, or no roles.
 */
export function handOverPlan(group: Group): GroupChanges | undefined {
  const roles = presentRoles(group)
  const own = ownIdentity(group)
  if (roles === undefined || own === undefined) return undefined
  // Another device of ours stays in the group: we stay admin through it.
  const ours = membersOf(group).filter(
    (m) => toHex(identityOfCredential(m.credential)) === toHex(own),
  )
  if (ours.length > 1) return undefined
  const next = successorOf(roles, own)
  return next === undefined
    ? undefined
    : rolesPlan(group, { admins: [{ identity: next, admin: true }] })
}

/**
 * The commit for members who leave (ADR 0138). Without `leaf`: the pending proposals of members
 * to remove themselves, which anyone may commit (in its turn, group-leave-order.ts). With `leaf`
 * (with `signatureKey`), a member who said it leaves: for an admin, its removal inline while it is
 * still in and its proposal is not pending (lost to another commit of its epoch), with the pending
 * ones; a pending proposal is left to the turns. Undefined: nothing to commit.
 */
export function leavePlan(
  group: Group,
  leaf?: number,
  signatureKey?: Uint8Array,
): GroupChanges | undefined {
  const pending = pendingSelfRemoves(group)
  if (leaf === undefined) return pending.length === 0 ? undefined : { selfRemoves: true }
  const key = signatureKey === undefined ? '' : toHex(signatureKey)
  const still = membersOf(group).some((m) => m.leaf === leaf && toHex(m.signatureKey) === key)
  if (!still || pending.includes(leaf) || !canManage(group)) return undefined
  return { selfRemoves: pending.length > 0, remove: [leaf] }
}

/**
 * Makes the person `identityOf` names (in the state the commit is planned on) admin or not. A
 * group keeps an admin: the last one cannot step down (`not_admin`, shown as invalid_state).
 */
export async function commitAdminChange(
  channel: GroupChannel,
  identityOf: (group: Group) => Uint8Array,
  makeAdmin: boolean,
): Promise<void> {
  requireAdmin(channel.state)
  const admins = adminKeys(channel.state)
  if (!makeAdmin && admins.size === 1 && admins.has(toHex(identityOf(channel.state))))
    throw new ProtocolError('not_admin', 'a group keeps an admin: make someone else admin first')
  await channel.commit((group) =>
    rolesPlan(group, { admins: [{ identity: identityOf(group), admin: makeAdmin }] }),
  )
}

/** Who is admin, per group, as last told: a commit that changes it is announced once. */
export class AdminsSeen {
  readonly #seen = new Map<string, string>()

  track(groupId: string, group: Group): void {
    this.#seen.set(groupId, [...adminKeys(group)].sort().join())
  }

  /** After a commit: true when the admins changed since last told (and remembers them). */
  changed(groupId: string, group: Group): boolean {
    const now = [...adminKeys(group)].sort().join()
    if (this.#seen.get(groupId) === now) return false
    this.#seen.set(groupId, now)
    return true
  }
}
