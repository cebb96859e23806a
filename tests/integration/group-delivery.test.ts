/**
 * Group delivery over a real relay on loopback (ADR 0132): the group mailbox orders commits by
 * compare-and-append, members read it from their own cursor. Each member is its own libp2p node
 * with its own mailbox client; the welcome and the mailbox credentials are handed over in the test
 * (in the messenger they travel inside the 1:1 session).
 *
 * - concurrent commits for one epoch: the relay stores exactly one per position, the losers commit
 *   again after reading the winner, and everyone ends in step;
 * - an offline member catches up from the group mailbox in order;
 * - a removed member reads nothing sent after its removal;
 * - a hostile member's malformed commit is refused by all and changes nothing.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { startRelay, type RelayHandle } from '@hestia/relay-node'
import {
  MailboxError,
  newMailboxCredentials,
  depositAddressOf,
  type MailboxClient,
  type MailboxCredentials,
} from '@hestia/core/mailbox/index.ts'
import {
  GroupChannel,
  GroupSequenceMoved,
  type GroupEvent,
  type GroupMailboxPort,
} from '@hestia/core/groups/group-channel.ts'
import { FRAME_KIND, encodeGroupFrame } from '@hestia/core/groups/framing.ts'
import { cutIntoPieces } from '@hestia/core/groups/mailbox-pieces.ts'
import {
  commitChanges,
  epochOf,
  loadSuite,
  membersOf,
  treeHashOf,
} from '@hestia/core/groups/mls.ts'
import { groupMailboxPort } from '@hestia/core/messenger/group-mailbox.ts'
import { bytesEqual, toHex } from '@hestia/core/crypto/bytes.ts'
import { makeMember, type TestMember } from '../../core/test-support/group-fixtures.ts'
import { seededRandom, fixedClock } from '../../core/test-support/deterministic.ts'
import { mailboxClientFor, startClientNode, tempDir } from './relay-helpers.ts'

const suite = await loadSuite()
const p = { random: seededRandom('group-delivery.test'), clock: fixedClock().clock }
const utf8 = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

interface Peer {
  member: TestMember
  node: Libp2p
  client: MailboxClient
  channel: GroupChannel
  events: GroupEvent[]
}

const said = (peer: Peer) =>
  peer.events.flatMap((e) => (e.kind === 'message' ? [text(e.data)] : []))

describe('group delivery over a real relay', () => {
  let relay: RelayHandle
  let addr: string
  const nodes: Libp2p[] = []

  before(async () => {
    relay = await startRelay({
      dataDir: tempDir(),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      stunPort: -1,
      adminPort: -1,
      logLevel: 'silent',
      // Every member is its own libp2p node on 127.0.0.1: more new connections per second from one
      // address than the default (5) lets through.
      relay: { inboundConnectionsPerSecondPerIp: 1000, maxHandshakingPerIp: 1000 },
      mailbox: {
        rate: {
          readPerPeer: { perSecond: 1000, burst: 1000 },
          readPerIp: { perSecond: 1000, burst: 1000 },
          depositPerPeer: { perSecond: 1000, burst: 1000 },
          depositPerIp: { perSecond: 1000, burst: 1000 },
        },
      },
    })
    addr = relay.multiaddrs[0]!
  })

  after(async () => {
    for (const n of nodes) await n.stop()
    await relay.stop()
  })

  /** The first name creates the group and its mailbox on the relay and adds the others. */
  async function group(names: string[]) {
    const creds: MailboxCredentials = newMailboxCredentials()
    const members = names.map((n) => makeMember(p, suite, n))
    const peers: Peer[] = []
    const counts = { refused: 0 }
    /** The real port, counting the relay's sequence_moved refusals. */
    const counted = (client: MailboxClient): GroupMailboxPort => {
      const port = groupMailboxPort(client, creds)
      return {
        read: (afterId) => port.read(afterId),
        append: async (bytes, expectedId) => {
          try {
            return await port.append(bytes, expectedId)
          } catch (err) {
            if (err instanceof GroupSequenceMoved) counts.refused++
            throw err
          }
        },
      }
    }
    const io = async (events: GroupEvent[]) => {
      const node = await startClientNode()
      nodes.push(node)
      const client = mailboxClientFor(node, addr)
      const io = {
        mailbox: counted(client),
        random: p.random,
        onEvent: (e: GroupEvent) => events.push(e),
      }
      return { node, client, io }
    }
    const firstEvents: GroupEvent[] = []
    const first = await io(firstEvents)
    await first.client.create(creds)
    const owner = members[0]!
    const channel = await GroupChannel.create(
      suite,
      owner.checker,
      p.random(32),
      await owner.keyPackage(),
      first.io,
    )
    peers.push({
      member: owner,
      node: first.node,
      client: first.client,
      channel,
      events: firstEvents,
    })
    const kps = await Promise.all(members.slice(1).map((m) => m.keyPackage()))
    const added = await channel.commit(() => ({ add: kps.map((k) => k.bytes) }))
    assert.ok(added?.welcome !== undefined)
    for (const [i, m] of members.slice(1).entries()) {
      const events: GroupEvent[] = []
      const x = await io(events)
      const ch = await GroupChannel.join(
        suite,
        m.checker,
        added.welcome,
        kps[i]!,
        added.mailboxId,
        x.io,
      )
      peers.push({ member: m, node: x.node, client: x.client, channel: ch, events })
    }
    return { creds, peers, counts }
  }

  function assertInStep(peers: Peer[]): void {
    const [first, ...rest] = peers.map((x) => x.channel.state)
    for (const g of rest) {
      assert.equal(epochOf(g), epochOf(first!))
      assert.equal(toHex(treeHashOf(g)), toHex(treeHashOf(first!)))
    }
  }

  test('concurrent commits for one epoch: the relay stores one per position; the others commit again; all in step', async () => {
    const { peers, counts } = await group(['a', 'b', 'c', 'd'])
    const start = epochOf(peers[0]!.channel.state)
    const results = await Promise.all(peers.slice(1).map((peer) => peer.channel.commit(() => ({}))))
    const ids = results.map((r) => r!.mailboxId)
    assert.equal(new Set(ids).size, 3)
    assert.ok(counts.refused >= 1, `the relay refused ${counts.refused} racing commits`)
    for (const peer of peers) await peer.channel.catchUp()
    assert.equal(epochOf(peers[0]!.channel.state), start + 3n, 'three commits, three epochs')
    assertInStep(peers)
    // And the relay itself refuses a stale expectation with the typed error and the next id.
    const fresh = newMailboxCredentials()
    await peers[1]!.client.create(fresh)
    const stale = peers[1]!.client.deposit(depositAddressOf(fresh), new Uint8Array(1024), {
      expectedId: 5n,
    })
    await assert.rejects(stale, (err: unknown) => {
      assert.ok(err instanceof MailboxError)
      assert.equal(err.code, 'sequence_moved')
      assert.equal(err.nextId, 1n)
      return true
    })
  })

  test('an offline member catches up from the group mailbox in order; a removed member reads nothing new', async () => {
    const { peers } = await group(['a', 'b', 'c'])
    const [a, b, c] = peers
    // c is offline: nothing is sent to it directly, everything goes through the mailbox.
    await a!.channel.send(utf8('one'))
    await b!.channel.send(utf8('two'))
    await a!.channel.commit(() => ({}))
    await b!.channel.send(utf8('three'))
    await c!.channel.catchUp()
    assert.deepEqual(said(c!), ['one', 'two', 'three'])
    await b!.channel.commit((g) => {
      const leaf = membersOf(g).find((m) => bytesEqual(m.credential, c!.member.credential))?.leaf
      return leaf === undefined ? undefined : { remove: [leaf] }
    })
    await a!.channel.send(utf8('after c left'))
    await c!.channel.catchUp()
    await a!.channel.catchUp()
    assert.ok(c!.events.some((e) => e.kind === 'removed'))
    assert.deepEqual(said(c!), ['one', 'two', 'three'], 'nothing after the removal')
    await b!.channel.catchUp()
    assert.deepEqual(said(b!).slice(-1), ['after c left'])
    assertInStep([a!, b!])
  })

  test("a hostile member's malformed commit is refused by all and changes nothing", async () => {
    const { peers, creds } = await group(['a', 'b', 'mallory'])
    const [a, b, mallory] = peers
    const epoch = epochOf(a!.channel.state)
    const real = await commitChanges(mallory!.channel.state, {})
    const bad = new Uint8Array(real.commit)
    bad[bad.length - 20]! ^= 0x01
    const piece = cutIntoPieces(encodeGroupFrame(FRAME_KIND.commit, bad), p.random(8))[0]!
    // Mallory goes around the group layer and deposits it at the right place.
    await mallory!.client.deposit(depositAddressOf(creds), piece, {
      expectedId: mallory!.channel.mailboxCursor + 1n,
    })
    for (const peer of [a!, b!]) {
      await peer.channel.catchUp()
      assert.equal(epochOf(peer.channel.state), epoch)
      assert.ok(peer.events.some((e) => e.kind === 'rejected'))
    }
    await a!.channel.commit(() => ({}))
    await b!.channel.catchUp()
    await mallory!.channel.catchUp()
    assertInStep([a!, b!, mallory!])
    await b!.channel.send(utf8('fine'))
    await a!.channel.catchUp()
    assert.deepEqual(said(a!), ['fine'])
  })
})
