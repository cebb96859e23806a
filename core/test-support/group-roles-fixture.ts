/**
 * A group with roles for GroupChannel tests (ADRs 0135, 0138): the first member creates it (its
 * only admin) and adds the others in one commit, every channel over one in-memory group mailbox;
 * and what a modified client does there (a frame deposited where the order expects it, past its
 * own checks). Shared by core/src/groups/roles.test.ts and self-remove.test.ts.
 */
import type { CryptoPlatform } from '../src/crypto/platform.ts'
import { encodeGroupFrame, type FrameKind } from '../src/groups/framing.ts'
import { GroupChannel, type GroupEvent } from '../src/groups/group-channel.ts'
import { cutIntoPieces } from '../src/groups/mailbox-pieces.ts'
import type { Group, GroupChanges, GroupSuite } from '../src/groups/mls.ts'
import { plannedRoles, rolesExtension, type RoleEdits } from '../src/groups/roles-policy.ts'
import { makeMember, type TestMember } from './group-fixtures.ts'
import { MemoryGroupMailbox } from './group-mailbox-memory.ts'

export interface RolesPeer {
  member: TestMember
  channel: GroupChannel
  events: GroupEvent[]
}

/** The change with the roles an honest client would add. */
export function withRoles(group: Group, change: GroupChanges, edits?: RoleEdits): GroupChanges {
  return { ...change, extensions: [rolesExtension(plannedRoles(group, change, edits))] }
}

/** The first of `names` creates a group with roles (she is admin) and adds the others. */
export async function startRolesGroup(p: CryptoPlatform, suite: GroupSuite, names: string[]) {
  const box = new MemoryGroupMailbox()
  const peers = new Map<string, RolesPeer>()
  const ioFor = (events: GroupEvent[]) => ({
    mailbox: box.portFor(),
    random: p.random,
    onEvent: (e: GroupEvent) => events.push(e),
  })
  const [first, ...rest] = names.map((n) => makeMember(p, suite, n))
  const events: GroupEvent[] = []
  const roles = { name: 'Team', members: [{ identity: first!.identity.publicKey, admin: true }] }
  const channel = await GroupChannel.create(
    suite,
    first!.checker,
    p.random(32),
    await first!.keyPackage(),
    ioFor(events),
    [rolesExtension(roles)],
  )
  peers.set(first!.name, { member: first!, channel, events })
  const kps = await Promise.all(rest.map((m) => m.keyPackage()))
  const add = kps.map((k) => k.bytes)
  const added = await channel.commit((group) => withRoles(group, { add }))
  for (const [i, m] of rest.entries()) {
    const ev: GroupEvent[] = []
    const ch = await GroupChannel.join(
      suite,
      m.checker,
      added!.welcome!,
      kps[i]!,
      added!.mailboxId,
      ioFor(ev),
    )
    peers.set(m.name, { member: m, channel: ch, events: ev })
  }
  return { box, get: (n: string) => peers.get(n)! }
}

/** A modified client: deposits a frame where the order expects it, past its own checks. */
export async function depositForged(
  p: CryptoPlatform,
  box: MemoryGroupMailbox,
  kind: FrameKind,
  mls: Uint8Array,
): Promise<void> {
  const piece = cutIntoPieces(encodeGroupFrame(kind, mls), p.random(8))[0]!
  await box.portFor().append(piece, BigInt(box.entries.length + 1))
}

/** The codes of the frames a peer refused, in order. */
export const refusals = (peer: RolesPeer) =>
  peer.events.flatMap((e) => (e.kind === 'rejected' ? [e.code] : []))
