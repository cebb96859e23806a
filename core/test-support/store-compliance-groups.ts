/**
 * The group part of the store compliance suite (issue 20): groups, their history and this
 * device's group keys survive a reopen byte-exact; history pages are the newest, oldest first;
 * a duplicate message id changes nothing; deleting a group takes its history with it; a rolled
 * back transaction leaves no group behind.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { GroupMessageRecord, GroupRecord } from '../src/store/records.ts'
import { StoreArgumentError } from '../src/store/store.ts'
import type { MessengerStore } from '../src/store/store.ts'
import type { StoreHarness } from './store-compliance.ts'

const T0 = Date.UTC(2026, 0, 1)

export function groupRecord(n: number, overrides: Partial<GroupRecord> = {}): GroupRecord {
  return {
    groupId: n.toString(16).padStart(64, '0'),
    name: `Group ${n}`,
    mlsState: new Uint8Array(3000).fill(n),
    mailbox: {
      relays: ['/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay'],
      mailboxId: new Uint8Array(16).fill(1),
      authSecret: new Uint8Array(32).fill(2),
      capability: new Uint8Array(32).fill(3),
    },
    cursor: '12345678901234567890',
    knownNext: '0',
    asked: ['contact-1'],
    status: 'member',
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

function groupMessage(groupId: string, i: number): GroupMessageRecord {
  return {
    messageId: `${groupId.slice(-4)}-g${String(i).padStart(4, '0')}`,
    groupId,
    senderContactId: i % 2 === 0 ? 'contact-1' : null,
    senderKeyId: i % 2 === 0 ? 'key-1' : null,
    outgoing: i % 2 === 1,
    text: `message ${i}`,
    state: i === 3 ? 'held' : 'shown',
    via: i % 2 === 1 ? 'sent' : 'mailbox',
    receivedAt: T0 + i,
  }
}

export function groupComplianceTests(
  withStore: (
    body: (store: MessengerStore, harness: StoreHarness) => Promise<void>,
  ) => Promise<void>,
): void {
  test('groups: stored byte-exact, listed, survive a reopen, deleted with their history', () =>
    withStore(async (store, harness) => {
      assert.equal(await store.getGroup(groupRecord(1).groupId), undefined)
      assert.deepEqual(await store.listGroups(), [])
      await store.putGroup(groupRecord(2))
      await store.putGroup(groupRecord(1))
      await store.putGroup(groupRecord(1, { name: 'Renamed', status: 'left' }))
      const g1 = groupRecord(1).groupId
      for (let i = 0; i < 5; i++) await store.addGroupMessage(groupMessage(g1, i))
      const again = await harness.open()
      try {
        const read = await again.getGroup(g1)
        assert.deepEqual(read, groupRecord(1, { name: 'Renamed', status: 'left' }))
        assert.ok(read?.mlsState instanceof Uint8Array, 'bytes come back as Uint8Array')
        assert.deepEqual(
          (await again.listGroups()).map((g) => g.name),
          ['Renamed', 'Group 2'],
        )
        assert.equal((await again.pageGroupMessages(g1, 10)).length, 5)
        await again.deleteGroup(g1)
        assert.equal(await again.getGroup(g1), undefined)
        assert.deepEqual(await again.pageGroupMessages(g1, 10), [])
        assert.equal((await again.listGroups()).length, 1)
      } finally {
        await again.close()
      }
    }))

  test('group history: the newest page oldest first, per group, duplicates change nothing', () =>
    withStore(async (store) => {
      const a = groupRecord(1).groupId
      const b = groupRecord(2).groupId
      for (let i = 9; i >= 0; i--) await store.addGroupMessage(groupMessage(a, i))
      await store.addGroupMessage(groupMessage(b, 0))
      const dup = { ...groupMessage(a, 4), text: 'replaced?' }
      assert.equal(await store.addGroupMessage(dup), false)
      const page = await store.pageGroupMessages(a, 3)
      assert.deepEqual(
        page.map((m) => m.text),
        ['message 7', 'message 8', 'message 9'],
      )
      const all = await store.pageGroupMessages(a, 500)
      assert.equal(all.length, 10)
      assert.equal(all[4]?.text, 'message 4', 'the duplicate did not replace the stored one')
      assert.deepEqual(all[3], groupMessage(a, 3))
      await assert.rejects(store.pageGroupMessages(a, 0), StoreArgumentError)
      await assert.rejects(store.pageGroupMessages(a, 501), StoreArgumentError)
    }))

  test('group message delivery: replaced in place, its group and place kept; an unknown id changes nothing', () =>
    withStore(async (store, harness) => {
      const a = groupRecord(1).groupId
      for (let i = 0; i < 3; i++) await store.addGroupMessage(groupMessage(a, i))
      const mine = { ...groupMessage(a, 1), recipients: ['k1', 'k2'], deliveredTo: ['k2'] }
      const moved = { ...mine, groupId: groupRecord(2).groupId, receivedAt: T0 + 99 }
      assert.equal(await store.putGroupMessage(moved), true)
      assert.equal(await store.putGroupMessage({ ...groupMessage(a, 7), text: 'new' }), false)
      assert.equal(await store.getGroupMessage(groupMessage(a, 7).messageId), undefined)
      const again = await harness.open()
      try {
        assert.deepEqual(await again.getGroupMessage(mine.messageId), mine)
        const page = await again.pageGroupMessages(a, 10)
        assert.deepEqual(
          page.map((m) => m.deliveredTo),
          [undefined, ['k2'], undefined],
          'still second in its own group',
        )
        assert.deepEqual(await again.pageGroupMessages(groupRecord(2).groupId, 10), [])
      } finally {
        await again.close()
      }
    }))

  test('group device keys: absent at first, stored byte-exact; a failed transaction keeps nothing', () =>
    withStore(async (store) => {
      assert.equal(await store.getGroupDevice(), undefined)
      const device = {
        signingSecret: new Uint8Array(32).fill(5),
        signingPublic: new Uint8Array(32).fill(6),
        offers: [
          {
            key: 'contact-1/ab',
            keyPackage: new Uint8Array(300).fill(7),
            initPrivateKey: new Uint8Array(32).fill(8),
            hpkePrivateKey: new Uint8Array(32).fill(9),
            offeredAt: T0,
          },
        ],
      }
      await store.putGroupDevice(device)
      assert.deepEqual(await store.getGroupDevice(), device)
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.putGroup(groupRecord(7))
          await tx.addGroupMessage(groupMessage(groupRecord(7).groupId, 0))
          await tx.putGroupDevice({ ...device, offers: [] })
          throw new Error('boom')
        }),
        /boom/,
      )
      assert.equal(await store.getGroup(groupRecord(7).groupId), undefined)
      assert.deepEqual(await store.pageGroupMessages(groupRecord(7).groupId, 5), [])
      assert.deepEqual(await store.getGroupDevice(), device)
    }))
}
