/**
 * A removal replaces the group mailbox (ADR 0770), real messengers and relay: alice removes carol;
 * alice and bob move to a new group mailbox announced inside the group in the new epoch, and keep
 * talking there. carol (the attacker now) keeps the old mailbox's credentials: against the new
 * mailbox they fetch nothing, ack nothing, close nothing and deposit nothing; the old mailbox holds
 * nothing she can read.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { publicKeyFromSecret, type MailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { bytesEqual } from '@hestia/core/crypto/bytes.ts'
import { cutIntoPieces } from '@hestia/core/groups/mailbox-pieces.ts'
import type { GroupRecord } from '@hestia/core/store/records.ts'
import type { TestPeer } from './support/messenger-harness.ts'
import { waitUntil } from './support/messenger-harness.ts'
import {
  contactIdOf as contactId,
  startGroupTrio,
  toldGroupTexts as toldTexts,
  waitTold,
  type GroupTrio,
} from './support/group-trio.ts'
import { mailboxClientFor, startClientNode } from './relay-helpers.ts'

function credsOf(mailbox: GroupRecord['mailbox'], id = mailbox.mailboxId): MailboxCredentials {
  return {
    mailboxId: id,
    authSecretKey: mailbox.authSecret,
    authPublicKey: publicKeyFromSecret(mailbox.authSecret),
    capability: mailbox.capability,
  }
}

describe('a removal moves the group to a new mailbox', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer
  let attackerNode: Libp2p | undefined

  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob, carol } = trio)
    attackerNode = await startClientNode()
  })

  after(async () => {
    await attackerNode?.stop()
    await trio.stop()
  })

  test('the removed member cannot fetch, ack, close or deposit in the new mailbox', async () => {
    const { groupId } = await alice.must({ type: 'groups.create', name: 'Team' })
    const ids = [await contactId(alice, 'bob'), await contactId(alice, 'carol')]
    await alice.must({ type: 'groups.addMembers', groupId, contactIds: ids })
    await waitUntil(
      'everyone joined',
      async () =>
        (await bob.store.getGroup(groupId)) !== undefined &&
        (await carol.store.getGroup(groupId)) !== undefined,
      60_000,
    )
    await alice.must({ type: 'groups.send', groupId, text: 'all three' })
    await waitTold(carol, groupId, 'all three', 'carol is told')
    const old = (await carol.store.getGroup(groupId))!.mailbox

    await alice.must({ type: 'groups.removeMember', groupId, contactId: ids[1]! })
    await waitUntil(
      'bob moved to the new mailbox',
      async () => {
        await bob.must({ type: 'groups.messages', groupId })
        const b = (await bob.store.getGroup(groupId))!.mailbox
        return !bytesEqual(b.mailboxId, old.mailboxId)
      },
      30_000,
    )
    const fresh = (await alice.store.getGroup(groupId))!.mailbox
    assert.ok(!bytesEqual(fresh.mailboxId, old.mailboxId), 'alice moved too')
    assert.ok(bytesEqual((await bob.store.getGroup(groupId))!.mailbox.mailboxId, fresh.mailboxId))
    await waitUntil(
      'carol knows she was removed',
      async () => (await carol.must({ type: 'groups.list' })).groups[0]?.status === 'removed',
      30_000,
    )

    await alice.must({ type: 'groups.send', groupId, text: 'in the new mailbox' })
    await waitTold(bob, groupId, 'in the new mailbox', 'bob is told')
    assert.ok(!toldTexts(carol, groupId).includes('in the new mailbox'))

    // The attacker: carol's old credentials, aimed at the new mailbox (its id learnt somehow).
    const client = mailboxClientFor(attackerNode!, trio.relay.multiaddrs[0]!)
    const stolen = credsOf(old, fresh.mailboxId)
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: { code?: string }) => e.code ?? 'error',
      )
    const fetched = await code(client.fetch(stolen, 50))
    const acked = await code(client.ack(stolen, [1n, 2n]))
    const deposited = await code(
      client.deposit(
        { mailboxId: fresh.mailboxId, capability: old.capability },
        cutIntoPieces(new Uint8Array(100), new Uint8Array(8))[0]!, // a well-formed group entry
      ),
    )
    const closed = await code(client.closeMailbox(stolen))
    assert.deepEqual(
      { fetched, acked, deposited, closed },
      {
        fetched: 'bad_signature',
        acked: 'bad_signature',
        deposited: 'bad_capability',
        closed: 'bad_signature',
      },
      'every step with the old credentials is refused by the relay',
    )
    // The new mailbox is intact: alice and bob still talk, and the honest fetch sees all entries.
    const honest = await client.fetch(credsOf(fresh), 50)
    assert.ok(honest.messages.length >= 1)
    // What the relay stores is sealed (ADR 0771): the group id in each MLS header is not there.
    const oldEntries = await client.fetch(credsOf(old), 50)
    const gid = Buffer.from(groupId, 'hex')
    for (const m of [...honest.messages, ...oldEntries.messages]) {
      assert.ok(!Buffer.from(m.sealed).includes(gid), 'the relay cannot read the group id')
    }
    await bob.must({ type: 'groups.send', groupId, text: 'still fine' })
    await waitTold(alice, groupId, 'still fine', 'alice is told')
  })
})
