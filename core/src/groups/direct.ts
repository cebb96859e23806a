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

/** One invitation being assembled: who sends it, when it began, the parts so far. */
interface PartialInvite {
  from: string
  at: number
  parts: (Uint8Array | undefined)[]
}

/**
 * Collects invite parts per (sender, group); returns the invite bytes once all parts arrived.
 * Slots are budgeted per sender (review rg-4b): one contact's half-sent invitations only ever
 * displace its own or expire, so another contact's invitation always finds a slot.
 */
export class InviteAssembler {
  private readonly partial = new Map<string, PartialInvite>()
  private readonly now: () => number
  /** Invites being assembled at once, from all senders. */
  static readonly maxPending = 16
  /** Invites one sender can have half-sent at once; a further one replaces its oldest. */
  static readonly maxPerSender = 4
  /** A half-sent invitation older than this is dropped (its sender stopped, or never meant it). */
  static readonly staleMs = 60 * 60 * 1000

  constructor(now: () => number) {
    this.now = now
  }

  add(
    from: string,
    key: string,
    part: { index: number; count: number; chunk: Uint8Array },
  ): Uint8Array | undefined {
    const id = `${from}/${key}`
    let entry = this.partial.get(id)
    if (entry !== undefined && entry.parts.length !== part.count) {
      this.partial.delete(id) // a new invitation replaces a broken one
      entry = undefined
    }
    if (entry === undefined) {
      this.makeRoom(from)
      const parts = Array.from({ length: part.count }, (): Uint8Array | undefined => undefined)
      entry = { from, at: this.now(), parts }
      this.partial.set(id, entry)
    }
    entry.parts[part.index] = part.chunk
    if (entry.parts.some((p) => p === undefined)) return undefined
    this.partial.delete(id)
    const total = entry.parts.reduce((n, p) => n + p!.length, 0)
    const out = new Uint8Array(total)
    let at = 0
    for (const p of entry.parts) {
      out.set(p!, at)
      at += p!.length
    }
    return out
  }

  /**
   * Frees a slot for a new invitation from `from`: stale ones go first; then, if `from` is at its
   * own budget, its oldest; if all slots are still taken, the oldest of the sender holding the
   * most (never a sender below the busiest one's count, so an honest sender keeps its slot).
   */
  private makeRoom(from: string): void {
    const now = this.now()
    for (const [id, e] of this.partial) {
      if (now - e.at > InviteAssembler.staleMs || e.at > now) this.partial.delete(id)
    }
    const counts = new Map<string, number>()
    for (const e of this.partial.values()) counts.set(e.from, (counts.get(e.from) ?? 0) + 1)
    let victim: string | undefined
    if ((counts.get(from) ?? 0) >= InviteAssembler.maxPerSender) victim = from
    else if (this.partial.size >= InviteAssembler.maxPending) {
      victim = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0]
    }
    if (victim === undefined) return
    for (const [id, e] of this.partial) {
      if (e.from === victim) {
        this.partial.delete(id) // Map order is insertion order: this is its oldest
        return
      }
    }
  }
}
