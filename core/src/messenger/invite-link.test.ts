// Short invite links (ADR 0734): the byte layout (golden vector), the 300-character budget, the
// binding of a fetched invite to its link, and a 100,000-input fuzz of the decoder.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { toHex } from '../crypto/bytes.ts'
import { systemPlatform } from '../crypto/platform.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import { isProtocolError } from '../wire/errors.ts'
import { addPrekey, createLocalIdentity, loadLocalIdentity, prekeyBundle } from './identity.ts'
import {
  INVITE_USED_MARKER,
  InviteFetchError,
  InviteUsedError,
  createInviteCard,
  createInviteLink,
  openShortInvite,
  resolveInvite,
  type InviteFields,
} from './invite.ts'
import {
  SHORT_INVITE,
  SHORT_INVITE_PREFIX,
  decodeShortInvite,
  encodeShortInvite,
  inviteFingerprint,
  qrPayloadOf,
  type ShortInvite,
} from './invite-link.ts'
import { ownedMailbox } from './secrets.ts'

const relay = '/ip4/127.0.0.1/tcp/4510/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const peer = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

/** The vector in docs/protocol/messaging.md "Short invite link". */
const GOLDEN = {
  fingerprint: new Uint8Array(16).fill(0x01),
  mailboxId: new Uint8Array(32).fill(0x02),
  capability: new Uint8Array(32).fill(0x03),
  relay,
}
const GOLDEN_LINK =
  'hestia:i/aeaqcaibaeaqcaibaeaqcaibaeaqeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaqdambq' +
  'gaydambqgaydambqgaydambqgaydambqgaydambqgaydamch6aaaaedbdhw5aosqgjqaeqeacerahnvcppgow2sc2yvd' +
  'vdicu3ynonsteflxdxrehjr2ybekdc2z3iuq'

describe('short invite link: format', () => {
  test('golden vector: the documented bytes and text', () => {
    const { link, qrPayload } = encodeShortInvite(GOLDEN)
    assert.equal(link, GOLDEN_LINK)
    assert.equal(link.length, 221)
    assert.equal(qrPayload, GOLDEN_LINK.toUpperCase())
    const bytes = fromString(link.slice(SHORT_INVITE_PREFIX.length), 'base32')
    assert.equal(bytes[0], 0x01)
    assert.equal(toHex(bytes.subarray(1, 17)), '01'.repeat(16))
    assert.equal(toHex(bytes.subarray(81, 91)), '047f00000106119edd03')
    assert.deepEqual(decodeShortInvite(link), GOLDEN)
    // The QR payload (uppercase), with white space around it, reads the same.
    assert.deepEqual(decodeShortInvite(`  ${qrPayload}\n`), GOLDEN)
    assert.equal(qrPayloadOf(link), qrPayload)
    assert.equal(qrPayloadOf('hestia:invite/Cg'), 'hestia:invite/Cg')
  })

  test('a relay of 100 bytes still fits 300 characters; 101 bytes is refused when encoding', () => {
    // /dns4/<name>/tcp/443/wss/p2p/<id>: 2 + name + 3 + 2 + 41 bytes.
    const named = (n: number) => `/dns4/${'r'.repeat(n)}/tcp/443/wss/p2p/${peer}`
    const longest = encodeShortInvite({ ...GOLDEN, relay: named(100 - 48) }).link
    assert.equal(longest.length, 299)
    assert.equal(decodeShortInvite(longest).relay, named(52))
    assert.throws(
      () => encodeShortInvite({ ...GOLDEN, relay: named(53) }),
      (e: unknown) => isProtocolError(e, 'oversize'),
    )
    assert.throws(
      () => decodeShortInvite(SHORT_INVITE_PREFIX + 'a'.repeat(300)),
      (e: unknown) => isProtocolError(e, 'oversize'),
    )
  })

  test('wrong format byte, no /p2p/, non-canonical text, truncation: typed errors', () => {
    const bytes = fromString(GOLDEN_LINK.slice(SHORT_INVITE_PREFIX.length), 'base32')
    const as = (b: Uint8Array) => SHORT_INVITE_PREFIX + toString(b, 'base32')
    const newer = bytes.slice()
    newer[0] = 2
    assert.throws(
      () => decodeShortInvite(as(newer)),
      (e: unknown) => isProtocolError(e, 'unsupported_version'),
    )
    const noPeer = encodeShortInvite({ ...GOLDEN, relay: `/p2p/${peer}/ip4/1.2.3.4/tcp/1` }).link
    const cases = [
      as(bytes.subarray(0, 81)), // no relay at all
      as(bytes.subarray(0, bytes.length - 3)), // peer id cut
      noPeer, // does not end in /p2p/
      GOLDEN_LINK.slice(0, -1) + 'r', // leftover bits set: another text for the same bytes
      GOLDEN_LINK + '=',
      'hestia:invite/' + GOLDEN_LINK.slice(9),
      SHORT_INVITE_PREFIX,
    ]
    for (const link of cases) {
      assert.throws(
        () => decodeShortInvite(link),
        (e: unknown) => isProtocolError(e),
        link,
      )
    }
  })

  test('fuzz: 100,000 inputs never throw anything but ProtocolError', () => {
    const valid = GOLDEN_LINK
    const b32 = fc.stringMatching(/^[a-z2-7]{0,300}$/)
    const input = fc.oneof(
      fc.string({ maxLength: 320 }),
      b32.map((s) => SHORT_INVITE_PREFIX + s),
      // Right format byte, random rest: reaches the multiaddr parser.
      fc
        .uint8Array({ minLength: 0, maxLength: 190 })
        .map((b) => SHORT_INVITE_PREFIX + toString(Uint8Array.of(1, ...b), 'base32')),
      // The valid fixed fields and a random relay part.
      fc
        .uint8Array({ minLength: 0, maxLength: 110 })
        .map(
          (b) =>
            SHORT_INVITE_PREFIX +
            toString(
              Uint8Array.of(...fromString(valid.slice(9), 'base32').subarray(0, 81), ...b),
              'base32',
            ),
        ),
      // One character of the valid link replaced.
      fc
        .tuple(fc.nat(valid.length - 1), fc.constantFrom(...'abcxyz234567=/:A@ '))
        .map(([at, ch]) => valid.slice(0, at) + ch + valid.slice(at + 1)),
    )
    let decoded = 0
    fc.assert(
      fc.property(input, (text) => {
        try {
          decodeShortInvite(text)
          decoded++
        } catch (e) {
          if (!isProtocolError(e)) throw e
        }
      }),
      { numRuns: 100_000 },
    )
    // Some inputs decode (a replaced letter inside the fixed fields): the fuzz reached the end.
    assert.ok(decoded > 0)
  })
})

describe('short invite link: the fetched invite must be the link’s', async () => {
  const now = Date.now()
  const alice = loadLocalIdentity(
    (await createLocalIdentity(systemPlatform, 'alice')).record,
    systemPlatform,
  )
  const mallory = loadLocalIdentity(
    (await createLocalIdentity(systemPlatform, 'mallory')).record,
    systemPlatform,
  )
  const owned = ownedMailbox(alice.secrets.mailboxRoot, new Uint8Array(32).fill(5))
  const fields = (who: typeof alice, over: Partial<InviteFields> = {}): InviteFields => ({
    displayName: 'alice',
    prekeyBundle: prekeyBundle(
      who.local,
      who.secrets,
      addPrekey(who.secrets, systemPlatform, PREKEY_KIND.oneTimeX25519),
    ),
    relays: [relay],
    mailboxId: owned.credentials.mailboxId,
    mailboxCapability: owned.credentials.capability,
    mailboxSealKey: owned.seal.publicKey,
    expiresAt: now + 86_400_000,
    ...over,
  })
  const short: ShortInvite = {
    fingerprint: inviteFingerprint(alice.local.identity.publicKey),
    mailboxId: owned.credentials.mailboxId,
    capability: owned.credentials.capability,
    relay,
  }
  const link = encodeShortInvite(short).link
  const card = createInviteCard(alice.local.identity, fields(alice))

  test('the invite the link points to opens; its key is the inviter’s', async () => {
    const inv = await resolveInvite(link, now, (s) => {
      assert.deepEqual(s, short)
      return Promise.resolve(card)
    })
    assert.deepEqual(inv.identityKey, alice.local.identity.publicKey)
    assert.deepEqual(inv.mailboxSealKey, owned.seal.publicKey)
    assert.equal(inv.displayName, 'alice')
  })

  test('someone else’s invite for the same mailbox (a swapped relay serves it): wrong_key', () => {
    const forged = createInviteCard(mallory.local.identity, fields(mallory))
    assert.throws(
      () => openShortInvite(short, forged, now),
      (e: unknown) => isProtocolError(e, 'wrong_key') && /not from this link/.test(e.message),
    )
  })

  test('flipped fingerprint bits: wrong_key, whichever bit', () => {
    for (let bit = 0; bit < 128; bit += 9) {
      const fingerprint = short.fingerprint.slice()
      fingerprint[bit >> 3]! ^= 1 << (bit & 7)
      assert.throws(
        () => openShortInvite({ ...short, fingerprint }, card, now),
        (e: unknown) => isProtocolError(e, 'wrong_key'),
      )
    }
  })

  test('the inviter’s genuine invite for another mailbox or relay: wrong_key', () => {
    const other = ownedMailbox(alice.secrets.mailboxRoot, new Uint8Array(32).fill(6))
    const elsewhere = createInviteCard(
      alice.local.identity,
      fields(alice, {
        mailboxId: other.credentials.mailboxId,
        mailboxCapability: other.credentials.capability,
      }),
    )
    assert.throws(
      () => openShortInvite(short, elsewhere, now),
      (e: unknown) => isProtocolError(e, 'wrong_key'),
    )
    // The same relay spelled another way (the card keeps the user's text) is still the link's.
    const spelled = `/ip6/0:0:0:0:0:0:0:1/tcp/4510/ws/p2p/${peer}`
    const ipv6Card = createInviteCard(alice.local.identity, fields(alice, { relays: [spelled] }))
    const ipv6Link = decodeShortInvite(encodeShortInvite({ ...short, relay: spelled }).link)
    assert.equal(ipv6Link.relay, `/ip6/::1/tcp/4510/ws/p2p/${peer}`)
    assert.equal(openShortInvite(ipv6Link, ipv6Card, now).relays[0], spelled)
    const otherRelay = `/ip4/127.0.0.2/tcp/4510/ws/p2p/${peer}`
    assert.throws(
      () => openShortInvite({ ...short, relay: otherRelay }, card, now),
      (e: unknown) => isProtocolError(e, 'wrong_key'),
    )
  })

  test('expired invite behind a short link: expired; a failed fetch: InviteFetchError', async () => {
    const old = createInviteCard(alice.local.identity, fields(alice, { expiresAt: now - 1 }))
    await assert.rejects(
      resolveInvite(link, now, () => Promise.resolve(old)),
      (e: unknown) => isProtocolError(e, 'expired'),
    )
    await assert.rejects(
      resolveInvite(link, now, () => Promise.reject(new Error('connection refused'))),
      (e: unknown) => e instanceof InviteFetchError && /connection refused/.test(e.message),
    )
  })

  test('the used mark instead of the invite: InviteUsedError, never a decode attempt', async () => {
    await assert.rejects(
      resolveInvite(link, now, () => Promise.resolve(INVITE_USED_MARKER.slice())),
      (e: unknown) => e instanceof InviteUsedError,
    )
  })

  test('a long link made before short invites is still accepted, without a fetch', async () => {
    const long = createInviteLink(alice.local.identity, fields(alice))
    const inv = await resolveInvite(long, now, () => assert.fail('nothing is fetched'))
    assert.deepEqual(inv.identityKey, alice.local.identity.publicKey)
    assert.ok(SHORT_INVITE.maxChars < long.length)
  })
})
