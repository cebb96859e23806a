/**
 * A world of contacts for GroupManager tests: a 1:1 bus (a stand-in for the 1:1 sessions) that
 * delivers at once to online devices and queues for offline ones, an in-memory group mailbox, a
 * memory store per device that survives `restart`, and per-device key-change holds.
 */
import { toHex } from '../src/crypto/bytes.ts'
import { decodeGroupDirect } from '../src/groups/direct.ts'
import { fixedClock, seededRandom } from './deterministic.ts'
import { makeMember, type TestMember } from './group-fixtures.ts'
import { MemoryGroupMailbox } from './group-mailbox-memory.ts'
import { loadSuite } from '../src/groups/mls.ts'
import { createMemoryBacking, openMemoryStore } from '../src/store/memory-store.ts'
import { GroupManager, type GroupManagerEvent } from '../src/messenger/groups/group-manager.ts'
import type { LeafUpdatePolicy } from '../src/messenger/groups/group-leaf-updates.ts'
import type { LeaveCommitTiming } from '../src/messenger/groups/group-leave-order.ts'

const suite = await loadSuite()
const time = fixedClock()
const p = { random: seededRandom('group-manager.test'), clock: time.clock }

export interface Device {
  name: string
  member: TestMember
  manager: GroupManager
  events: GroupManagerEvent[]
  online: boolean
  /** 1:1 messages waiting for this device while it is offline. */
  inbox: { from: string; bytes: Uint8Array }[]
  store: ReturnType<typeof openMemoryStore>
}

/**
 * Contacts who all know each other (except the `strangers` pairs); the 1:1 bus delivers at once to
 * online devices.
 */
export async function world(
  names: string[],
  opts: {
    strangers?: [string, string][]
    leafUpdate?: LeafUpdatePolicy
    /** When a member commits a leave (ADR 0138); absent: every member at once, no turns. */
    leaveCommit?: LeaveCommitTiming
  } = {},
) {
  const strangers = (a: string, b: string) =>
    (opts.strangers ?? []).some(([x, y]) => (x === a && y === b) || (x === b && y === a))
  const boxes = new Map<string, MemoryGroupMailbox>()
  const devices = new Map<string, Device>()
  const members = new Map(names.map((n) => [n, makeMember(p, suite, n)]))
  const relayTraffic: Uint8Array[] = []
  const backings = new Map(names.map((n) => [n, createMemoryBacking()]))
  /** Contacts whose key change is pending, per device: their identity maps to "held". */
  const heldBy = new Map<string, Set<string>>()
  /** Devices inside a 1:1 delivery of their own now (the bus delivers within the sender's call). */
  const sending = new Map<string, number>()
  /** A fresh group mailbox on the (one) relay. */
  const newHome = () => {
    const home = {
      relays: ['/ip4/127.0.0.1/tcp/1/ws/p2p/relay'],
      mailboxId: p.random(32),
      authSecret: p.random(32),
      capability: p.random(32),
    }
    boxes.set(toHex(home.mailboxId), new MemoryGroupMailbox())
    return home
  }
  const makeManager = (name: string, store: ReturnType<typeof openMemoryStore>) => {
    const member = members.get(name)!
    const events: GroupManagerEvent[] = []
    const isHeld = (who: string | undefined) =>
      who !== undefined && (heldBy.get(name)?.has(who) ?? false)
    const whoIs = (key: Uint8Array) =>
      [...members.values()].find(
        (m) =>
          m.name !== name && !strangers(name, m.name) && toHex(m.identity.publicKey) === toHex(key),
      )?.name
    const manager = new GroupManager({
      suite,
      checker: member.checker,
      now: time.clock,
      ...(opts.leafUpdate !== undefined ? { leafUpdate: opts.leafUpdate } : {}),
      leaveCommit: opts.leaveCommit ?? { stepMs: 0, jitterMs: 0, ranked: 1 },
      random: p.random,
      store,
      signingSecret: member.signing.secretKey,
      newKeyPackage: () => member.keyPackage(),
      sendToContact: async (to, bytes, { directOnly }) => {
        const d = devices.get(to)!
        if (!d.online) {
          if (directOnly) return false
          d.inbox.push({ from: name, bytes }) // the 1:1 mailbox, sealed to the contact
          return true
        }
        if ((sending.get(to) ?? 0) > 0 && decodeGroupDirect(bytes).body.kind === 'frame') {
          // `to` waits, inside its channel's send, for a frame of its own to be read (possibly by
          // us): deliver on the next turn, as a network would, instead of both waiting for ever.
          // Not counted as reached, so the mailbox has it too (the reader drops the second copy).
          const later = () => devices.get(to)!.manager.receive(name, bytes) // after a restart too
          setTimeout(() => void later().catch(() => undefined), 0)
          return false
        }
        sending.set(name, (sending.get(name) ?? 0) + 1)
        try {
          await d.manager.receive(name, bytes)
        } finally {
          sending.set(name, sending.get(name)! - 1)
        }
        return true
      },
      contactOfIdentity: (key) => (isHeld(whoIs(key)) ? undefined : whoIs(key)),
      heldOfIdentity: (key) => (isHeld(whoIs(key)) ? whoIs(key) : undefined),
      createMailbox: () => Promise.resolve(newHome()),
      mailboxPort: (home) => {
        const port = boxes.get(toHex(home.mailboxId))!.portFor(() => devices.get(name)!.online)
        return {
          read: (after) => port.read(after),
          append: (bytes, expected) => {
            relayTraffic.push(bytes)
            return port.append(bytes, expected)
          },
        }
      },
      onEvent: (e) => events.push(e),
      ownName: () => name,
      receipts: { delay: { minMs: 0, maxMs: 0 }, delayed: () => true },
      log: () => undefined,
    })
    return { manager, events }
  }
  for (const name of names) {
    const store = openMemoryStore(backings.get(name))
    const signing = members.get(name)!.signing
    await store.putGroupDevice({
      signingSecret: signing.secretKey,
      signingPublic: signing.publicKey,
      offers: [],
    })
    const { manager, events } = makeManager(name, store)
    const member = members.get(name)!
    devices.set(name, { name, member, manager, events, online: true, inbox: [], store })
  }
  const get = (n: string) => devices.get(n)!
  /** A device comes back: its queued 1:1 messages arrive, then it reads the group mailbox. */
  const comeBack = async (n: string, groupId?: string) => {
    const d = get(n)
    d.online = true
    for (const m of d.inbox.splice(0)) await d.manager.receive(m.from, m.bytes)
    if (groupId !== undefined) await d.manager.catchUp(groupId)
  }
  /** The device restarts: a new manager over the same stored data (nothing kept in memory). */
  const restart = async (n: string) => {
    const d = get(n)
    d.manager.stop()
    await d.manager.talk.stop()
    await d.store.close()
    d.store = openMemoryStore(backings.get(n))
    const { manager, events } = makeManager(n, d.store)
    await manager.restore()
    d.manager = manager
    d.events = events
  }
  const hold = (device: string, contact: string) => {
    const set = heldBy.get(device) ?? new Set<string>()
    set.add(contact)
    heldBy.set(device, set)
  }
  const release = (device: string, contact: string) => heldBy.get(device)?.delete(contact)
  /** A port of a group mailbox outside any manager (to build a group the managers then load). */
  const portOf = (home: { mailboxId: Uint8Array }) => boxes.get(toHex(home.mailboxId))!.portFor()
  return {
    ...{ get, comeBack, restart, hold, release, relayTraffic, members, time },
    ...{ newHome, portOf, suite, random: p.random },
  }
}

export const texts = (d: Device, groupId: string) =>
  d.events.flatMap((e) => (e.kind === 'message' && e.groupId === groupId ? [e.text] : []))
