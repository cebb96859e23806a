/**
 * A removed member can no longer delete anything in the old group mailbox (ADR 0137), real
 * messengers and relay. Group mailboxes are created with a manage key whose secret nobody keeps:
 * members (and carol, once removed) hold only the read key. bob is offline while alice removes
 * carol and writes; carol, with her old credentials, tries to ack every entry of the old mailbox
 * and to close it — the relay refuses both (`bad_signature`, typed) — and bob, back, reads the
 * move and everything after it.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { MailboxError, publicKeyFromSecret } from '@hestia/core/mailbox/index.ts'
import { bytesEqual } from '@hestia/core/crypto/bytes.ts'
import type { TestPeer } from './support/messenger-harness.ts'
import { waitUntil } from './support/messenger-harness.ts'
import {
  contactIdOf as contactId,
  startGroupTrio,
  toldGroupTexts,
  waitTold,
  type GroupTrio,
} from './support/group-trio.ts'
import { mailboxClientFor, startClientNode } from './relay-helpers.ts'

describe('the old group mailbox after a removal', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer
  let attackerNode: Libp2p

  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob, carol } = trio)
    attackerNode = await startClientNode()
  })

  after(async () => {
    await attackerNode.stop()
    await trio.stop()
  })

  test("the removed member's ack and close are refused; the others still read everything", async () => {
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
    await waitTold(carol, groupId, 'all three')
    await waitTold(bob, groupId, 'all three')
    const old = (await carol.store.getGroup(groupId))!.mailbox

    await bob.stop() // bob reads the removal, the move and what follows later, from the old mailbox
    await alice.must({ type: 'groups.removeMember', groupId, contactId: ids[1]! })
    await alice.must({ type: 'groups.send', groupId, text: 'after carol' })
    await waitUntil(
      'carol knows she was removed',
      async () => (await carol.must({ type: 'groups.list' })).groups[0]?.status === 'removed',
      30_000,
    )

    // carol, removed, with the old mailbox's credentials: she reads, but deletes nothing.
    const client = mailboxClientFor(attackerNode, trio.relay.multiaddrs[0]!)
    const creds = {
      mailboxId: old.mailboxId,
      authSecretKey: old.authSecret,
      authPublicKey: publicKeyFromSecret(old.authSecret),
      capability: old.capability,
    }
    const entries = (await client.fetch(creds, 64)).messages
    assert.ok(entries.length >= 3, 'she can still read the (sealed) entries')
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: unknown) => (e instanceof MailboxError ? e.code : 'error'),
      )
    const acked = await code(
      client.ack(
        creds,
        entries.map((m) => m.id),
      ),
    )
    const closed = await code(client.closeMailbox(creds))
    assert.deepEqual(
      { acked, closed },
      { acked: 'bad_signature', closed: 'bad_signature' },
      'the relay refuses her deletes: they need the manage key',
    )
    assert.equal((await client.fetch(creds, 64)).messages.length, entries.length, 'nothing gone')

    await bob.start()
    await waitUntil(
      'bob moved to the new mailbox and read on',
      async () => {
        await bob.must({ type: 'groups.messages', groupId })
        const b = (await bob.store.getGroup(groupId))!.mailbox
        return (
          !bytesEqual(b.mailboxId, old.mailboxId) &&
          toldGroupTexts(bob, groupId).includes('after carol')
        )
      },
      60_000,
    )
    const history = (await bob.must({ type: 'groups.messages', groupId })).messages
      .filter((m) => m.text !== '')
      .map((m) => m.text)
    assert.deepEqual(history, ['all three', 'after carol'], 'bob has everything, in order')
    assert.ok(!toldGroupTexts(carol, groupId).includes('after carol'))
  })
})
