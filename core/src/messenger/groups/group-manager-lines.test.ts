// What a group member sees besides the texts (ADRs 0780-0782): system lines in order with the
// messages and after a restart, the names of members who are not contacts (and a stranger who
// calls itself like a contact), and "delivered to n of m" counted only from those who may count.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toBase64Url } from '../../crypto/bytes.ts'
import { encodeGroupContent } from '../../groups/content.ts'
import type { ContactRecord } from '../../store/records.ts'
import { world, type Device } from '../../../test-support/group-manager-world.ts'
import { groupMessageView, type GroupNames } from './group-views.ts'

const keyOf = (d: Device) => toBase64Url(d.member.identity.publicKey)
const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms))

/** The history as short strings: texts, and system lines as `kind member [by] [name]`. */
async function history(d: Device, gid: string, who: Map<string, string>) {
  const name = (k: string | null | undefined) => (k === null ? 'you' : (who.get(k!) ?? '?'))
  return (await d.store.pageGroupMessages(gid, 50)).map((m) =>
    m.system === undefined
      ? m.text
      : [m.system.kind, name(m.system.member)]
          .concat(m.system.by === undefined ? [] : ['by', name(m.system.by)])
          .concat(m.system.name === undefined ? [] : [m.system.name])
          .join(' '),
  )
}

test('system lines: joins, a removal by whom, a leave, a rename and a key change, in order with the texts, kept across a restart', async () => {
  const w = await world(['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol, dave] = [w.get('alice'), w.get('bob'), w.get('carol'), w.get('dave')]
  const who = new Map([alice, bob, carol, dave].map((d) => [keyOf(d), d.name]))
  const gid = await alice.manager.create('Club')
  await alice.manager.addContacts(gid, ['bob'])
  await alice.manager.sendText(gid, 'hi bob')
  await alice.manager.addContacts(gid, ['carol', 'dave'])
  await bob.manager.catchUp(gid)
  await bob.manager.sendText(gid, 'hi all')
  await alice.manager.removeContact(gid, 'carol')
  await dave.manager.catchUp(gid)
  await dave.manager.leave(gid)
  await tick(20)
  await alice.manager.catchUp(gid)
  await bob.manager.catchUp(gid)
  await alice.manager.rename(gid, 'Book club')
  await bob.manager.catchUp(gid)
  w.hold('bob', 'alice') // at bob, alice's key changed and is not accepted
  bob.manager.talk.keyChanged(keyOf(alice), 'new-key-1')
  bob.manager.talk.keyChanged(keyOf(alice), 'new-key-1') // noticed twice: one line
  await tick(20)
  await w.restart('bob')
  const lines = await history(bob, gid, who)
  assert.deepEqual(lines, [
    'joined you',
    'hi bob',
    'joined carol',
    'joined dave',
    'hi all',
    'removed carol by alice',
    // dave's leave reached alice first, whose removal commit can be in the mailbox before
    // dave's own message (bob is not reached directly here): bob may read it as a removal.
    lines[6] === 'left dave' ? 'left dave' : 'removed dave by alice',
    'renamed alice Book club',
    'key_changed alice',
  ])
  const aliceLines = await history(alice, gid, who)
  assert.deepEqual(aliceLines.slice(0, 5), [
    'joined bob',
    'hi bob',
    'joined carol',
    'joined dave',
    'hi all',
  ])
  assert.ok(aliceLines.includes('removed carol by you'))
  assert.ok(aliceLines.includes('left dave'), 'alice read that dave leaves before she removed him')
  assert.ok(aliceLines.includes('renamed you Book club'))
  // Carol sees her own removal and by whom; nothing after it.
  await carol.manager.catchUp(gid)
  const carolLines = await history(carol, gid, who)
  assert.equal(carolLines.at(-1), 'removed you by alice')
  assert.ok(!carolLines.some((l) => l.startsWith('renamed')))
})

test('a member who is not a contact is named by the name it declared, marked; a stranger calling itself like a contact gets a tag', async () => {
  // bob and mallory are not contacts; alice knows both.
  const w = await world(['alice', 'bob', 'mallory'], { strangers: [['bob', 'mallory']] })
  const [alice, bob, mallory] = [w.get('alice'), w.get('bob'), w.get('mallory')]
  const gid = await alice.manager.create('Mixed')
  await alice.manager.addContacts(gid, ['bob', 'mallory'])
  // mallory declared "mallory" on joining (its own name): bob learns it from the group.
  const declared = async (want: string) => {
    for (let i = 0; i < 40; i++) {
      await bob.manager.catchUp(gid)
      if (bob.manager.talk.declaredNames(gid).get(keyOf(mallory)) === want) return
      await tick(25)
    }
  }
  await declared('mallory')
  assert.equal(bob.manager.talk.declaredNames(gid).get(keyOf(mallory)), 'mallory')
  assert.equal(
    bob.manager.talk.declaredNames(gid).get(keyOf(alice)),
    undefined,
    'nothing is kept for a contact',
  )
  // mallory now declares the name of bob's contact alice, with a Cyrillic "а".
  await mallory.manager['sendContent'](gid, { kind: 'profile', name: 'аlice' })
  await mallory.manager.sendText(gid, 'it is me, alice')
  await bob.manager.catchUp(gid)
  const record = (await bob.store.pageGroupMessages(gid, 50)).find((m) => m.text.includes('me'))!
  const names: GroupNames = {
    contact: (id) => (id === 'alice' ? contactRecord('alice') : undefined),
    byKey: (k) => (k === keyOf(alice) ? contactRecord('alice') : undefined),
    declared: bob.manager.talk.declaredNames(gid),
    taken: ['bob', 'alice'],
  }
  const view = groupMessageView(record, names)
  assert.equal(view.sender?.contactId, null, 'not shown as the contact alice')
  assert.equal(view.sender?.name, 'аlice')
  assert.equal(
    view.sender?.nameTag,
    keyOf(mallory)
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 4)
      .toUpperCase(),
  )
  // A declared name that reads like nobody's gets no tag.
  await mallory.manager['sendContent'](gid, { kind: 'profile', name: 'Mallory M.' })
  await declared('Mallory M.')
  const again = groupMessageView(record, {
    ...names,
    declared: bob.manager.talk.declaredNames(gid),
  })
  assert.deepEqual([again.sender?.name, again.sender?.nameTag], ['Mallory M.', null])
})

test('"delivered to n of m": each member counts once when its receipt arrives; an offline member later; a later member, a repeat or a forged id change nothing', async () => {
  const w = await world(['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol, dave] = [w.get('alice'), w.get('bob'), w.get('carol'), w.get('dave')]
  const gid = await alice.manager.create('Receipts')
  await alice.manager.addContacts(gid, ['bob', 'carol'])
  await bob.manager.catchUp(gid)
  carol.online = false
  const sent = await alice.manager.sendText(gid, 'who got this?')
  assert.deepEqual(sent.recipients?.sort(), [keyOf(bob), keyOf(carol)].sort())
  const deliveredTo = async () => {
    await alice.manager.catchUp(gid)
    const m = await alice.store.getGroupMessage(sent.messageId)
    return [...(m?.deliveredTo ?? [])].sort()
  }
  /** Waits (bounded) until alice counts `want`, then answers what she counts. */
  const delivery = async (want: string[]) => {
    for (let i = 0; i < 40 && (await deliveredTo()).join() !== want.join(); i++) await tick(25)
    return deliveredTo()
  }
  assert.deepEqual(await delivery([keyOf(bob)]), [keyOf(bob)], 'bob acknowledged, carol is offline')
  assert.ok(
    alice.events.some((e) => e.kind === 'delivery' && e.message.messageId === sent.messageId),
  )
  await w.comeBack('carol', gid)
  const both = [keyOf(bob), keyOf(carol)].sort()
  assert.deepEqual(await delivery(both), both, 'carol, from the mailbox')

  // dave joins after the text: his receipt for it does not count; bob repeating his counts once;
  // an id that names nothing of alice's changes nothing.
  await alice.manager.addContacts(gid, ['dave'])
  await dave.manager.catchUp(gid)
  const id = Uint8Array.from(Buffer.from(sent.messageId, 'base64url'))
  await dave.manager['sendContent'](gid, encodeReceipt([id]))
  await bob.manager['sendContent'](gid, encodeReceipt([id, new Uint8Array(16).fill(7)]))
  await tick(100) // dave's and bob's receipts are read (nothing to wait for: they change nothing)
  assert.deepEqual(await deliveredTo(), both)
  // What alice shows: 2 of 2.
  const shown = groupMessageView((await alice.store.getGroupMessage(sent.messageId))!, {
    contact: () => undefined,
    byKey: () => undefined,
    declared: new Map(),
    taken: [],
  })
  assert.deepEqual(shown.delivery, { delivered: 2, of: 2 })
})

/** A receipt as a member could send it (its encoding checked on the way). */
function encodeReceipt(ids: Uint8Array[]) {
  encodeGroupContent({ kind: 'receipt', ids })
  return { kind: 'receipt' as const, ids }
}

function contactRecord(name: string): ContactRecord {
  return {
    contactId: name,
    displayName: name,
  } as unknown as ContactRecord
}
