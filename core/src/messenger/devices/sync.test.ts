// Own-device sync formats: the address book a grant carries and the copies of sent messages.
// Everything a hostile peer might put there is refused with a typed error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../../test-support/deterministic.ts'
import { createIdentity } from '../../crypto/identity.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { DEVICE_CAPS } from './limits.ts'
import { encodeOutbound } from '../records.ts'
import {
  decodeSentCopy,
  decodeSyncBook,
  decodeSyncSnapshot,
  encodeSentCopy,
  encodeSyncSnapshot,
} from './sync.ts'

const p = testPlatform('sync')
const contact = (name: string, verified = false, blocked = false) => ({
  identityKey: createIdentity(p.random).publicKey,
  displayName: name,
  verified,
  blocked,
})

test('the address book round-trips with trust and block state', () => {
  const book = [contact('Bob', true), contact('Carol', false, true), contact('Зоя')]
  assert.deepEqual(decodeSyncSnapshot(encodeSyncSnapshot(book)), book)
  assert.deepEqual(decodeSyncSnapshot(encodeSyncSnapshot([])), [])
})

test('a contact twice, a bad key, an empty or long name is refused', () => {
  const bob = contact('Bob')
  const refused = (contacts: ReturnType<typeof contact>[], code: string) =>
    assert.throws(
      () => decodeSyncSnapshot(encodeSyncSnapshot(contacts)),
      (err) => isProtocolError(err) && err.code === code,
    )
  refused([bob, { ...bob, displayName: 'Bob again' }], 'malformed')
  refused([{ ...bob, identityKey: new Uint8Array(31) }], 'malformed')
  refused([{ ...bob, displayName: '' }], 'malformed')
  refused([{ ...bob, displayName: 'x'.repeat(300) }], 'oversize')
})

test('an address book over the cap is refused when made, not sent cut', () => {
  const many = Array.from({ length: 600 }, (_, i) => contact(`contact ${i}`))
  assert.throws(() => encodeSyncSnapshot(many), RangeError)
  const fits = many.slice(0, 150)
  assert.ok(encodeSyncSnapshot(fits).length <= DEVICE_CAPS.syncSnapshot)
})

test('a sent copy round-trips; a short key or an empty payload is refused', () => {
  const peer = createIdentity(p.random).publicKey
  const copy = { peerIdentityKey: peer, payload: new Uint8Array([1, 2, 3]) }
  assert.deepEqual(decodeSentCopy(encodeSentCopy(copy)), copy)
  assert.throws(
    () => decodeSentCopy(encodeSentCopy({ ...copy, peerIdentityKey: peer.subarray(1) })),
    (err) => isProtocolError(err, 'malformed'),
  )
  assert.throws(
    () => decodeSentCopy(encodeSentCopy({ ...copy, payload: new Uint8Array(0) })),
    (err) => isProtocolError(err, 'malformed'),
  )
})

test('the address book carries the owner name and routes; a route that is no address is refused', () => {
  const route = encodeOutbound({
    displayName: '',
    relays: [
      '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN',
    ],
    mailboxId: p.random(32),
    mailboxCapability: p.random(32),
    mailboxSealKey: p.random(32),
    reply: false,
  })
  const bob = { ...contact('Bob', true), route }
  const book = decodeSyncBook(encodeSyncSnapshot([bob, contact('Carol')], 'Alice'))
  assert.equal(book.ownerName, 'Alice')
  assert.deepEqual(book.contacts[0], bob)
  assert.equal(book.contacts[1]!.route, undefined, 'no route: absent, not empty')
  assert.throws(
    () => decodeSyncBook(encodeSyncSnapshot([{ ...bob, route: new Uint8Array([1, 2, 3]) }])),
    (err) => isProtocolError(err),
  )
})
