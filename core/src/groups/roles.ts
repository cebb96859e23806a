/**
 * A group's roles (issue 20, ADR 0135): its name and every person in it (identity key), longest
 * standing first, each admin or not. Carried in the MLS group context as a private-use extension,
 * so every epoch's secrets depend on it (members who disagree cannot share an epoch), a joiner
 * reads it from the signed GroupInfo of its welcome, and only a commit can change it.
 *
 *   version   u8 = 1
 *   name      u16 length || UTF-8, 1..128 UTF-16 code units
 *   count     u16, 1..200
 *   entries   identity key (32) || role (u8: 0 member, 1 admin), count times
 *
 * Strict: a wrong version, a bad name, no admin, the same identity twice, an unknown role or
 * trailing bytes are ProtocolError('malformed').
 */
import { toHex } from '../crypto/bytes.ts'
import { ProtocolError } from '../wire/errors.ts'
import { GROUP_LIMITS } from './limits.ts'

/** RFC 9420 §17.3 reserves 0xF000–0xFFFF for private use. */
export const ROLES_EXTENSION_TYPE = 0xf0e5

const ROLES_VERSION = 1
const IDENTITY_BYTES = 32
const NAME_MAX_CHARS = 128

export interface RoleEntry {
  /** The person's identity key (the one the safety number verifies); all its devices share it. */
  readonly identity: Uint8Array
  readonly admin: boolean
}

export interface GroupRoles {
  readonly name: string
  /** Longest-standing first (join order): the order decides who takes over from a last admin. */
  readonly members: readonly RoleEntry[]
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

export function encodeRoles(roles: GroupRoles): Uint8Array {
  checkRoles(roles)
  const name = utf8.encode(roles.name)
  const out = new Uint8Array(1 + 2 + name.length + 2 + roles.members.length * (IDENTITY_BYTES + 1))
  const view = new DataView(out.buffer)
  out[0] = ROLES_VERSION
  view.setUint16(1, name.length)
  out.set(name, 3)
  let at = 3 + name.length
  view.setUint16(at, roles.members.length)
  at += 2
  for (const m of roles.members) {
    out.set(m.identity, at)
    out[at + IDENTITY_BYTES] = m.admin ? 1 : 0
    at += IDENTITY_BYTES + 1
  }
  return out
}

export function decodeRoles(bytes: Uint8Array): GroupRoles {
  if (!(bytes instanceof Uint8Array) || bytes.length < 5)
    throw new ProtocolError('malformed', 'group roles: too short')
  if (bytes[0] !== ROLES_VERSION)
    throw new ProtocolError('malformed', `group roles: version ${String(bytes[0])}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const nameLength = view.getUint16(1)
  let at = 3 + nameLength
  if (at + 2 > bytes.length) throw new ProtocolError('malformed', 'group roles: name cut short')
  let name: string
  try {
    name = fromUtf8.decode(bytes.subarray(3, at))
  } catch (err) {
    throw new ProtocolError('malformed', 'group roles: name is not UTF-8', { cause: err })
  }
  const count = view.getUint16(at)
  at += 2
  if (bytes.length !== at + count * (IDENTITY_BYTES + 1))
    throw new ProtocolError('malformed', 'group roles: wrong length for its member count')
  const members: RoleEntry[] = []
  for (let i = 0; i < count; i++, at += IDENTITY_BYTES + 1) {
    const role = bytes[at + IDENTITY_BYTES]
    if (role !== 0 && role !== 1) throw new ProtocolError('malformed', 'group roles: unknown role')
    members.push({ identity: bytes.slice(at, at + IDENTITY_BYTES), admin: role === 1 })
  }
  const roles = { name, members }
  checkRoles(roles)
  return roles
}

/** The rules every roles value keeps (refused as 'malformed' when read, RangeError when made). */
function checkRoles(roles: GroupRoles): void {
  const fail = (why: string) => {
    throw new ProtocolError('malformed', `group roles: ${why}`)
  }
  if (roles.name.length === 0 || roles.name.length > NAME_MAX_CHARS) fail('name empty or too long')
  if (roles.members.length === 0 || roles.members.length > GROUP_LIMITS.maxMembers)
    fail('member count out of range')
  if (!roles.members.some((m) => m.admin)) fail('no admin')
  const seen = new Set<string>()
  for (const m of roles.members) {
    if (m.identity.length !== IDENTITY_BYTES) fail('identity key not 32 bytes')
    const key = toHex(m.identity)
    if (seen.has(key)) fail('a person listed twice')
    seen.add(key)
  }
}

export function isAdmin(roles: GroupRoles, identity: Uint8Array | undefined): boolean {
  if (identity === undefined) return false
  const key = toHex(identity)
  return roles.members.some((m) => m.admin && toHex(m.identity) === key)
}

/**
 * Who takes over when the last admin leaves: the longest-standing other person (the first in
 * join order). Undefined when `leaver` is not the only admin, or nobody else is left.
 */
export function successorOf(roles: GroupRoles, leaver: Uint8Array): Uint8Array | undefined {
  const key = toHex(leaver)
  const admins = roles.members.filter((m) => m.admin)
  if (admins.length !== 1 || toHex(admins[0]!.identity) !== key) return undefined
  return roles.members.find((m) => toHex(m.identity) !== key)?.identity
}

/**
 * The people a commit leaves in the group, in the order the roles must list them: those already
 * listed who keep a leaf (in their order), then anyone in the tree not listed (leaf order; only
 * after an inconsistent history), then the newly added (in the commit's add order). Every member
 * computes the same list from the tree before the commit and the commit's proposals.
 */
export function membersAfter(
  roles: GroupRoles,
  remaining: readonly Uint8Array[],
  added: readonly Uint8Array[],
): Uint8Array[] {
  const left = new Map(remaining.map((id) => [toHex(id), id]))
  const out: Uint8Array[] = []
  const listed = new Set<string>()
  const push = (id: Uint8Array) => {
    const key = toHex(id)
    if (listed.has(key)) return
    listed.add(key)
    out.push(id)
  }
  for (const m of roles.members) if (left.has(toHex(m.identity))) push(m.identity)
  for (const id of remaining) push(id)
  for (const id of added) push(id)
  return out
}
