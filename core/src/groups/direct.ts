/**
 * Group traffic between two members inside their 1:1 session (groups.proto GroupDirect,
 * docs/protocol/groups.md "Inside 1:1 sessions"): a KeyPackage request and its answer, the
 * invitation of an added member in parts (a welcome carries the ratchet tree, ~0.6 KB per member,
 * so at 200 members it is larger than one 1:1 message), and application frames sent directly.
 * Decoders are strict and every field is capped; a bad message is one ProtocolError.
 */
import { decodeStrict, requireBytes, requireUint, requireVersion } from '../wire/decode.ts'
import { ProtocolError } from '../wire/errors.ts'
import { FRAME_KIND, decodeGroupFrame } from './framing.ts'
import { GroupDirect as GroupDirectCodec, GroupInvite as GroupInviteCodec } from './groups.pb.js'
import { GROUP_FORMAT_VERSION, GROUP_LIMITS } from './limits.ts'

export const DIRECT_LIMITS = {
  /** One part of an invitation: leaves room in a 60 KiB 1:1 payload. */
  invitePartBytes: 32 * 1024,
  /** Parts of one invitation: enough for the largest frame plus the mailbox fields. */
  maxInviteParts: Math.ceil((GROUP_LIMITS.maxFrameBytes + 4096) / (32 * 1024)),
  maxRelays: 4,
  maxRelayChars: 512,
  maxNameChars: 128,
} as const

export type GroupDirectBody =
  | { kind: 'key_package_request' }
  | { kind: 'key_package'; keyPackage: Uint8Array }
  | { kind: 'invite_part'; index: number; count: number; chunk: Uint8Array }
  | { kind: 'frame'; frame: Uint8Array }

export interface GroupDirectMessage {
  groupId: Uint8Array
  body: GroupDirectBody
}

export interface GroupInvite {
  welcome: Uint8Array
  relays: string[]
  mailboxId: Uint8Array
  mailboxAuthSecret: Uint8Array
  mailboxCapability: Uint8Array
  afterId: bigint
  name: string
}

const MAX_DIRECT_BYTES = GROUP_LIMITS.maxFrameBytes + 1024

export function encodeGroupDirect(m: GroupDirectMessage): Uint8Array {
  const b = m.body
  return GroupDirectCodec.encode({
    version: GROUP_FORMAT_VERSION,
    groupId: new Uint8Array(m.groupId),
    keyPackageRequest: b.kind === 'key_package_request',
    keyPackage: b.kind === 'key_package' ? new Uint8Array(b.keyPackage) : new Uint8Array(0),
    ...(b.kind === 'invite_part'
      ? { invitePart: { index: b.index, count: b.count, chunk: new Uint8Array(b.chunk) } }
      : {}),
    frame: b.kind === 'frame' ? new Uint8Array(b.frame) : new Uint8Array(0),
  })
}

export function decodeGroupDirect(bytes: unknown): GroupDirectMessage {
  const v = decodeStrict(bytes, MAX_DIRECT_BYTES, GroupDirectCodec, 'group direct')
  requireVersion(v.version, GROUP_FORMAT_VERSION, 'group direct')
  const groupId = requireBytes(v.groupId, 'group direct: group id', { min: 16, max: 64 })
  const set = [
    v.keyPackageRequest,
    v.keyPackage.length > 0,
    v.invitePart !== undefined,
    v.frame.length > 0,
  ].filter(Boolean).length
  if (set !== 1) throw new ProtocolError('malformed', 'group direct: exactly one body')
  if (v.keyPackageRequest) return { groupId, body: { kind: 'key_package_request' } }
  if (v.keyPackage.length > 0) {
    if (decodeGroupFrame(v.keyPackage).kind !== FRAME_KIND.keyPackage) {
      throw new ProtocolError('malformed', 'group direct: not a key package')
    }
    return { groupId, body: { kind: 'key_package', keyPackage: v.keyPackage } }
  }
  if (v.invitePart !== undefined) {
    const p = v.invitePart
    const count = requireUint(p.count, 'invite part count', {
      min: 1,
      max: DIRECT_LIMITS.maxInviteParts,
    })
    const index = requireUint(p.index, 'invite part index', { max: count - 1 })
    const chunk = requireBytes(p.chunk, 'invite part', {
      min: 1,
      max: DIRECT_LIMITS.invitePartBytes,
    })
    return { groupId, body: { kind: 'invite_part', index, count, chunk } }
  }
  if (decodeGroupFrame(v.frame).kind !== FRAME_KIND.application) {
    throw new ProtocolError('malformed', 'group direct: only application frames go directly')
  }
  return { groupId, body: { kind: 'frame', frame: v.frame } }
}

export function encodeGroupInvite(i: GroupInvite): Uint8Array {
  return GroupInviteCodec.encode({
    version: GROUP_FORMAT_VERSION,
    welcome: new Uint8Array(i.welcome),
    relays: [...i.relays],
    mailboxId: new Uint8Array(i.mailboxId),
    mailboxAuthSecret: new Uint8Array(i.mailboxAuthSecret),
    mailboxCapability: new Uint8Array(i.mailboxCapability),
    afterId: i.afterId,
    name: i.name,
  })
}

export function decodeGroupInvite(bytes: unknown): GroupInvite {
  const max = DIRECT_LIMITS.maxInviteParts * DIRECT_LIMITS.invitePartBytes
  const v = decodeStrict(bytes, max, GroupInviteCodec, 'group invite')
  requireVersion(v.version, GROUP_FORMAT_VERSION, 'group invite')
  if (decodeGroupFrame(v.welcome).kind !== FRAME_KIND.welcome) {
    throw new ProtocolError('malformed', 'group invite: not a welcome')
  }
  if (
    v.relays.length === 0 ||
    v.relays.length > DIRECT_LIMITS.maxRelays ||
    v.relays.some((r) => r.length === 0 || r.length > DIRECT_LIMITS.maxRelayChars)
  ) {
    throw new ProtocolError('malformed', 'group invite: relays')
  }
  if (v.name.length > DIRECT_LIMITS.maxNameChars) {
    throw new ProtocolError('oversize', 'group invite: name too long')
  }
  return {
    welcome: v.welcome,
    relays: v.relays,
    mailboxId: requireBytes(v.mailboxId, 'group invite: mailbox id', { exact: 32 }),
    mailboxAuthSecret: requireBytes(v.mailboxAuthSecret, 'group invite: auth key', { exact: 32 }),
    mailboxCapability: requireBytes(v.mailboxCapability, 'group invite: capability', {
      min: 16,
      max: 64,
    }),
    afterId: v.afterId,
    name: v.name,
  }
}

/** Cuts an encoded invite into direct messages of at most one part each. */
export function invitePartsOf(groupId: Uint8Array, invite: Uint8Array): GroupDirectMessage[] {
  const size = DIRECT_LIMITS.invitePartBytes
  const count = Math.ceil(invite.length / size)
  if (count > DIRECT_LIMITS.maxInviteParts) throw new RangeError('invite too large')
  return Array.from({ length: count }, (_, index) => ({
    groupId,
    body: {
      kind: 'invite_part' as const,
      index,
      count,
      chunk: invite.subarray(index * size, (index + 1) * size),
    },
  }))
}

/** Collects invite parts per (sender, group); returns the invite bytes once all parts arrived. */
export class InviteAssembler {
  private readonly partial = new Map<string, (Uint8Array | undefined)[]>()
  /** Invites being assembled at once (a contact cannot make us hold more). */
  static readonly maxPending = 16

  add(
    key: string,
    part: { index: number; count: number; chunk: Uint8Array },
  ): Uint8Array | undefined {
    let parts = this.partial.get(key)
    if (parts !== undefined && parts.length !== part.count) {
      this.partial.delete(key) // a new invitation replaces a broken one
      parts = undefined
    }
    if (parts === undefined) {
      if (this.partial.size >= InviteAssembler.maxPending) {
        throw new ProtocolError('limit_exceeded', 'too many invitations being received')
      }
      parts = Array.from({ length: part.count }, (): Uint8Array | undefined => undefined)
      this.partial.set(key, parts)
    }
    parts[part.index] = part.chunk
    if (parts.some((p) => p === undefined)) return undefined
    this.partial.delete(key)
    const total = parts.reduce((n, p) => n + p!.length, 0)
    const out = new Uint8Array(total)
    let at = 0
    for (const p of parts) {
      out.set(p!, at)
      at += p!.length
    }
    return out
  }
}
