// Keeping a contact's old key is noticed as a change to sync (kind 14, sync-refuse.ts, ADR 0785)
// only when it was made here: a refusal from before refusals were part of the agreement is
// recorded at start, not sent as new (it would carry the choices stamped now and could outrank a
// rename made on another device meanwhile); allowing new keys and refusing the same key again is
// a new refusal.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual } from '../../crypto/bytes.ts'
import type { ContactRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import { OWN_FRAME_KIND } from './own-frames.ts'
import { baselineContacts, markSent, stampLocalChange } from './sync-contacts.ts'

const pinned = new Uint8Array(32).fill(1)
const refused = new Uint8Array(32).fill(2)

/** One contact in a store that does just what the agreement code reads and writes. */
function world(contact: ContactRecord) {
  let held = structuredClone(contact)
  const tx = {
    listContacts: () => Promise.resolve([held]),
    getContact: () => Promise.resolve(held),
    putContact: (c: ContactRecord) => {
      held = structuredClone(c)
      return Promise.resolve()
    },
  }
  const ctx = {
    local: { companion: false },
    secrets: {},
    platform: { clock: () => 1_000_000 },
    store: { transaction: <T>(work: (t: typeof tx) => Promise<T>) => work(tx) },
  } as unknown as MessengerContext
  return { ctx, held: () => held, edit: (f: (c: ContactRecord) => void) => f(held) }
}

function ben(over: Partial<ContactRecord>): ContactRecord {
  return {
    contactId: 'c-ben',
    displayName: 'Ben',
    identityPublicKey: pinned,
    identityKeyId: 'ben',
    verified: false,
    blocked: false,
    keyChange: null,
    outboundMailbox: null,
    relays: [],
    ownSync: {
      stamp: 5,
      displayName: 'Ben',
      verified: false,
      blocked: false,
      routeStamp: 0,
      route: null,
      key: pinned,
    },
    ...over,
  } as unknown as ContactRecord
}

test('a refusal from before the upgrade is recorded at start, not sent as new', async () => {
  const w = world(ben({ refusedKeys: [refused] }))
  assert.equal(await baselineContacts(w.ctx), 1)
  assert.ok(bytesEqual(w.held().ownSync!.refused!, refused))
  assert.equal(await stampLocalChange(w.ctx, 'c-ben'), null)
})

test('a refusal made here is sent once as kind 14 naming the refused key', async () => {
  const w = world(ben({}))
  assert.equal(await baselineContacts(w.ctx), 0)
  w.edit((c) => (c.refusedKeys = [refused]))
  const out = (await stampLocalChange(w.ctx, 'c-ben'))!
  assert.equal(out.kind, OWN_FRAME_KIND.keyRefused)
  assert.ok(bytesEqual(out.body.subarray(0, 32), refused))
  assert.ok(w.held().ownSync!.stamp > 5, 'stamped past the agreement')
  await markSent(w.ctx, 'c-ben')
  assert.equal(w.held().ownSync!.refusing, undefined)
  assert.equal(await stampLocalChange(w.ctx, 'c-ben'), null, 'not again')
  // New keys allowed, then the same key refused again: a new refusal.
  w.edit((c) => (c.refusedKeys = []))
  assert.equal(await stampLocalChange(w.ctx, 'c-ben'), null)
  w.edit((c) => (c.refusedKeys = [refused]))
  assert.equal((await stampLocalChange(w.ctx, 'c-ben'))?.kind, OWN_FRAME_KIND.keyRefused)
})
