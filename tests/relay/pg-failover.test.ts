/**
 * Owner-side fail-over between the instances of one community (issue 22, ADR 0231), with real
 * messengers: two relay processes share one PostgreSQL database and each advertises the other
 * (`--instances`). Alice's home relay is instance 1; she learns instance 2 from its info answer and
 * names it to Bob in her Hello (end to end). Then instance 1 is killed with SIGKILL: Alice's
 * subscription moves to instance 2, Bob's deposits go through instance 2, and Alice shows every
 * later message once, in order.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { requirePg } from '../../relay-node/test-support/pg-cluster.ts'
import { pgTest } from '../../relay-node/test-support/pg-test.ts'
import { waitUntil } from '../integration/support/messenger-harness.ts'
import { FailoverBed } from '../integration/support/failover-bed.ts'

const skip = requirePg()
const bed = new FailoverBed()

after(async () => {
  await bed.destroy()
})

if (skip !== undefined) {
  test('owner-side fail-over between instances', { skip }, () => undefined)
} else {
  describe('owner-side fail-over between instances of one community', () => {
    pgTest(
      'kill -9 of the instance Alice is subscribed on: she moves, Bob deposits through the other, every later message shows once',
      async () => {
        // Bob learns instance 2 inside Alice's (end-to-end) Hello, right after her home relay.
        const { one, alice, bob, convA, convB } = await bed.pair('failover')
        const send = (text: string) =>
          bob.must({ type: 'messages.send', conversationId: convB, text })
        const shown = async () => {
          const texts = await alice.texts(convA)
          return texts.filter((t) => t.startsWith('m'))
        }
        await send('m0')
        await waitUntil('alice shows m0', async () => (await shown()).includes('m0'), 20_000)

        one.child.kill('SIGKILL')
        assert.equal(await one.exited, 'SIGKILL')
        const sentBefore = bob.sent.length
        const later = Array.from({ length: 8 }, (_, i) => `m${i + 1}`)
        for (const text of later) await send(text)
        await waitUntil(
          'alice shows every later message',
          async () => (await shown()).length === later.length + 1,
          60_000,
        )
        await new Promise((r) => setTimeout(r, 1_000)) // a duplicate would show by now
        assert.deepEqual(await shown(), ['m0', ...later], 'each once, in the order sent')
        const routes = bob.sent.slice(sentBefore).filter((s) => s.kind === 'message')
        assert.ok(routes.length >= later.length, 'bob sent each later message')
        assert.ok(
          routes.every((s) => s.route === 'mailbox'),
          'through the mailbox (instance 2: instance 1 is gone)',
        )
      },
    )
    pgTest(
      'Alice starts while her home instance is down: the kept instance list takes her to the other, and a deposit arrives',
      async () => {
        const pair = await bed.pair('coldstart')
        const { one, addrOne, addrTwo, bob, convA, convB } = pair
        let alice = pair.alice
        // Alice learnt the list from her home relay and kept it in her store.
        const kept = await alice.store.getRelayInstances()
        assert.deepEqual(
          kept?.lists.map((l) => [l.home, l.instances]),
          [[addrOne, [addrTwo]]],
        )
        assert.ok((kept?.lists[0]?.learntAt ?? 0) > 0, 'with when it was learnt')

        await alice.stop()
        one.child.kill('SIGKILL')
        assert.equal(await one.exited, 'SIGKILL')
        const sentBefore = bob.sent.length
        await bob.must({
          type: 'messages.send',
          conversationId: convB,
          text: 'while you were away',
        })
        const deposited = () =>
          bob.sent.slice(sentBefore).some((s) => s.kind === 'message' && s.route === 'mailbox')
        await waitUntil(
          'bob deposited it (through instance 2)',
          () => Promise.resolve(deposited()),
          30_000,
        )

        // A new process on the same store, its settings naming only the dead home instance.
        alice = bed.peer('alice', [addrOne], alice.backing)
        await alice.start()
        await waitUntil(
          'alice shows the deposit',
          async () => (await alice.texts(convA)).includes('while you were away'),
          60_000,
        )
        await bob.must({ type: 'messages.send', conversationId: convB, text: 'and live' })
        await waitUntil(
          'alice shows a live push on instance 2',
          async () => (await alice.texts(convA)).includes('and live'),
          30_000,
        )
        // Her connectivity view tells the truth: home relay down, mailbox served through instance 2.
        const { relays: view } = await alice.must({ type: 'connectivity.status' })
        assert.equal(view[0]?.address, addrOne)
        assert.notEqual(view[0]?.state, 'connected')
        assert.equal(view[0]?.mailboxReady, true, 'the mailbox is served')
        assert.equal(view[0]?.mailboxVia, addrTwo, 'through the other instance')
      },
    )
  })
}
