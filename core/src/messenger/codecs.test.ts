/**
 * Messenger decoders: round trips, and on any other input exactly one typed ProtocolError
 * (property tests over random and mutated bytes), plus the invite's signature, expiry and caps.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { systemPlatform } from '../crypto/platform.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import { isProtocolError } from '../wire/errors.ts'
import { addPrekey, createLocalIdentity, loadLocalIdentity, prekeyBundle } from './identity.ts'
import { createInviteLink, decodeInvite, type InviteFields } from './invite.ts'
import { INVITE_LINK_PREFIX } from './limits.ts'
import { ChatPayload } from './messenger.pb.js'
import { FILE_BODY_CAPS, decodePayload, encodePayload, type Payload } from './payload.ts'
import { decodeSecrets, ownedMailbox } from './secrets.ts'
import { fromBase64Url, toBase64Url } from '../crypto/bytes.ts'
import { backoffMs } from './outbox.ts'
import { maintainKeys } from './key-maintenance.ts'
import { decodeDeviceCert, decodeDeviceCertBody } from '../crypto/codecs.ts'

const relay = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWL4VxjNoFFeyHAsWVK9z5YGtBu7ySzPBZGRaXigRo2G7h'
const id16 = new Uint8Array(16).fill(9)

function onlyProtocolErrors(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    assert.ok(isProtocolError(err), `expected ProtocolError, got ${String(err)}`)
  }
}

describe('chat payload', () => {
  const samples: Payload[] = [
    { messageId: id16, sentAt: 1_700_000_000_000, body: { kind: 'text', text: 'héllo 👋' } },
    {
      messageId: id16,
      sentAt: 1,
      body: { kind: 'receipt', receipt: 'read', messageIds: [id16, new Uint8Array(16)] },
    },
    {
      messageId: id16,
      sentAt: 2,
      body: {
        kind: 'hello',
        hello: {
          displayName: 'Bob',
          relays: [relay],
          mailboxId: new Uint8Array(32).fill(1),
          mailboxCapability: new Uint8Array(32).fill(2),
          mailboxSealKey: new Uint8Array(32).fill(3),
          reply: true,
        },
      },
    },
    {
      messageId: id16,
      sentAt: 3,
      body: { kind: 'file_offer', offer: new Uint8Array(200).fill(4) },
    },
    { messageId: id16, sentAt: 4, body: { kind: 'file_control', control: new Uint8Array(21) } },
    {
      messageId: id16,
      sentAt: 5,
      body: { kind: 'file_piece', piece: new Uint8Array(FILE_BODY_CAPS.file_piece).fill(7) },
    },
  ]

  test('round trips every body kind', () => {
    for (const p of samples) assert.deepEqual(decodePayload(encodePayload(p)), p)
  })

  test('rejects bad ids, empty or oversized receipts, long text, two bodies, unknown version', () => {
    const bad: [Uint8Array, string][] = [
      [encodePayload({ ...samples[0]!, messageId: new Uint8Array(15) }), 'malformed'],
      [
        encodePayload({
          messageId: id16,
          sentAt: 1,
          body: { kind: 'receipt', receipt: 'delivered', messageIds: [] },
        }),
        'limit_exceeded',
      ],
      [
        encodePayload({
          messageId: id16,
          sentAt: 1,
          body: {
            kind: 'receipt',
            receipt: 'delivered',
            messageIds: Array.from({ length: 101 }, () => id16),
          },
        }),
        'limit_exceeded',
      ],
      [
        encodePayload({
          messageId: id16,
          sentAt: 1,
          body: { kind: 'text', text: 'x'.repeat(48_001) },
        }),
        'oversize',
      ],
      [new Uint8Array([0x08, 0x02, 0x12, 0x10, ...id16]), 'unsupported_version'],
      [new Uint8Array([0x08, 0x01, 0x12, 0x10, ...id16, 0x18, 0x01]), 'malformed'], // no body
      [new Uint8Array(70 * 1024), 'oversize'],
      [
        ChatPayload.encode({
          version: 1,
          messageId: id16,
          sentAt: 1n,
          text: { text: 'a' },
          receipt: { kind: 1, messageIds: [id16] },
        }),
        'malformed',
      ],
    ]
    for (const [bytes, code] of bad) {
      assert.throws(
        () => decodePayload(bytes),
        (err: unknown) => isProtocolError(err, code as never),
        code,
      )
    }
  })

  test('file bodies: capped per kind, never empty, never beside another body', () => {
    const file = (body: Payload['body']) => encodePayload({ messageId: id16, sentAt: 1, body })
    const bad: [Uint8Array, string][] = [
      [
        file({ kind: 'file_offer', offer: new Uint8Array(FILE_BODY_CAPS.file_offer + 1) }),
        'oversize',
      ],
      [
        file({ kind: 'file_control', control: new Uint8Array(FILE_BODY_CAPS.file_control + 1) }),
        'oversize',
      ],
      [
        file({ kind: 'file_piece', piece: new Uint8Array(FILE_BODY_CAPS.file_piece + 1) }),
        'oversize',
      ],
      [file({ kind: 'file_control', control: new Uint8Array(0) }), 'malformed'],
      [
        ChatPayload.encode({
          version: 1,
          messageId: id16,
          sentAt: 1n,
          fileOffer: new Uint8Array(10),
          fileControl: new Uint8Array(10),
        }),
        'malformed',
      ],
      [
        ChatPayload.encode({
          version: 1,
          messageId: id16,
          sentAt: 1n,
          text: { text: 'a' },
          filePiece: new Uint8Array(10),
        }),
        'malformed',
      ],
    ]
    for (const [bytes, code] of bad) {
      assert.throws(
        () => decodePayload(bytes),
        (err: unknown) => isProtocolError(err, code as never),
        code,
      )
    }
  })

  test('random and mutated bytes: a value or one ProtocolError, never anything else', () => {
    const valid = samples.map(encodePayload)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyProtocolErrors(() => decodePayload(bytes))
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, at, xor) => {
          const m = bytes.slice()
          m[at % m.length]! ^= xor
          onlyProtocolErrors(() => decodePayload(m))
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('invite', async () => {
  const now = Date.now()
  const { record } = await createLocalIdentity(systemPlatform, 'alice')
  const { local, secrets } = loadLocalIdentity(record, systemPlatform)
  const owned = ownedMailbox(secrets.mailboxRoot, new Uint8Array(32).fill(5))
  const fields = (over: Partial<InviteFields> = {}): InviteFields => ({
    displayName: 'alice',
    prekeyBundle: prekeyBundle(
      local,
      secrets,
      addPrekey(secrets, systemPlatform, PREKEY_KIND.oneTimeX25519),
    ),
    relays: [relay],
    mailboxId: owned.credentials.mailboxId,
    mailboxCapability: owned.credentials.capability,
    mailboxSealKey: owned.seal.publicKey,
    expiresAt: now + 86_400_000,
    ...over,
  })

  test('round trip: verified fields and the inviter identity', () => {
    const link = createInviteLink(local.identity, fields())
    assert.ok(link.startsWith(INVITE_LINK_PREFIX))
    assert.ok(link.length < 4096, `fits the client API cap (${link.length})`)
    const inv = decodeInvite(link, now)
    assert.deepEqual(inv.identityKey, local.identity.publicKey)
    assert.deepEqual(inv.mailboxSealKey, owned.seal.publicKey)
    assert.deepEqual(inv.relays, [relay])
  })

  test('expired, signed by someone else, bad relays, flipped bits: typed errors', async () => {
    assert.throws(
      () => decodeInvite(createInviteLink(local.identity, fields({ expiresAt: now - 1 })), now),
      (e: unknown) => isProtocolError(e, 'expired'),
    )
    const other = loadLocalIdentity(
      (await createLocalIdentity(systemPlatform, 'eve')).record,
      systemPlatform,
    )
    assert.throws(
      () => decodeInvite(createInviteLink(other.local.identity, fields()), now),
      (e: unknown) => isProtocolError(e, 'bad_signature'),
    )
    assert.throws(
      () =>
        decodeInvite(
          createInviteLink(local.identity, fields({ relays: ['/ip4/1.2.3.4/tcp/1'] })),
          now,
        ),
      (e: unknown) => isProtocolError(e, 'malformed'),
    )
    assert.throws(
      () =>
        decodeInvite(
          createInviteLink(local.identity, fields({ relays: Array(5).fill(relay) })),
          now,
        ),
      (e: unknown) => isProtocolError(e, 'limit_exceeded'),
    )
    const bytes = fromBase64Url(
      createInviteLink(local.identity, fields()).slice(INVITE_LINK_PREFIX.length),
    )
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const m = bytes.slice()
        m[at % m.length]! ^= xor
        assert.throws(
          () => decodeInvite(INVITE_LINK_PREFIX + toBase64Url(m), now),
          (e: unknown) => isProtocolError(e),
        )
      }),
      { numRuns: 200 },
    )
    for (const junk of [42, null, '', 'hestia:invite/', 'hestia:invite/@@', 'https://x']) {
      assert.throws(
        () => decodeInvite(junk, now),
        (e: unknown) => isProtocolError(e),
      )
    }
  })
})

describe('secrets and derived mailbox keys', () => {
  test('secrets round trip; mailbox keys are a function of root and id only', async () => {
    const { record, secrets } = await createLocalIdentity(systemPlatform, 'x')
    assert.deepEqual(decodeSecrets(record.secretKeys), secrets)
    assert.throws(
      () => decodeSecrets(new Uint8Array([1, 2])),
      (e: unknown) => isProtocolError(e, 'malformed'),
    )
    const id = new Uint8Array(32).fill(1)
    const a = ownedMailbox(secrets.mailboxRoot, id)
    assert.deepEqual(ownedMailbox(secrets.mailboxRoot, id), a)
    const b = ownedMailbox(secrets.mailboxRoot, new Uint8Array(32).fill(2))
    assert.notDeepEqual(a.credentials.capability, b.credentials.capability)
    assert.notDeepEqual(a.seal.publicKey, b.seal.publicKey)
    const other = ownedMailbox(new Uint8Array(32).fill(7), id)
    assert.notDeepEqual(a.credentials.authPublicKey, other.credentials.authPublicKey)
  })

  test('outbox backoff doubles from 1 s to 5 min with ±20 % jitter', () => {
    assert.equal(
      backoffMs(1, () => 0.5),
      1000,
    )
    assert.equal(
      backoffMs(3, () => 0.5),
      4000,
    )
    assert.equal(
      backoffMs(30, () => 0.5),
      300_000,
    )
    assert.equal(
      backoffMs(1, () => 0),
      800,
    )
    assert.equal(
      backoffMs(1, () => 1),
      1200,
    )
  })
})

describe('key maintenance', () => {
  test('renews the certificate and prekeys near expiry, drops long-expired invites', async () => {
    const start = Date.now()
    const { record } = await createLocalIdentity(systemPlatform, 'k')
    assert.equal(maintainKeys(record, systemPlatform), null, 'fresh keys need nothing')
    const later = { random: systemPlatform.random, clock: () => start + 340 * 86_400_000 }
    const renewed = maintainKeys(record, later)
    assert.ok(renewed !== null)
    const cert = decodeDeviceCertBody(decodeDeviceCert(renewed.deviceCertificate).body)
    const old = decodeDeviceCertBody(decodeDeviceCert(record.deviceCertificate).body)
    assert.equal(cert.serial, old.serial + 1)
    assert.deepEqual(cert.peerId, old.peerId)
    assert.ok(cert.expiresAt > later.clock() + 300 * 86_400_000)
    // The renewed record loads at that time; prekeys were renewed too and old ones dropped.
    const loaded = loadLocalIdentity(renewed, later)
    assert.ok(loaded.secrets.prekeys.every((p) => p.expiresAt > later.clock()))
    assert.doesNotThrow(() => prekeyBundle(loaded.local, loaded.secrets))
  })
})
