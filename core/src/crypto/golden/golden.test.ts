// Golden vectors: (1) the committed vectors.json is exactly what the generator produces today, so
// any change to Hestia's crypto wire bytes shows up as a failing test and a diff; (2) the committed
// bytes are consumed independently (verify, accept, decrypt, open), so the file is not just
// self-consistent but usable by another implementation.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { generateGoldenVectors, GOLDEN_START_MS } from '../../../test-support/crypto-golden.ts'
import { fromHex, toHex } from '../bytes.ts'
import { verifyDeviceCert } from '../identity.ts'
import { verifyPrekeyBundle, type PrekeySecret } from '../prekeys.ts'
import { acceptSession } from '../pqxdh.ts'
import { Session } from '../session.ts'
import { openSealed, sealForMailbox } from '../sealed-envelope.ts'
import { safetyNumber } from '../safety-number.ts'
import { FileChunkReader } from '../file-encryption.ts'
import { decodeFileShare, type PrekeyKind } from '../codecs.ts'
import { x25519PublicKey } from '../primitives.ts'
import type { CryptoPlatform } from '../platform.ts'

type Golden = Record<string, Record<string, string | number>>
const committed = JSON.parse(
  readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'),
) as Golden
const str = (section: string, key: string) => committed[section]![key] as string
const hex = (section: string, key: string) => fromHex(str(section, key))

void test('the generator reproduces the committed golden vectors byte for byte', async () => {
  const fresh = await generateGoldenVectors()
  assert.deepEqual(JSON.parse(JSON.stringify(fresh)), committed)
})

void test('committed certificates and bundle verify at the golden time', () => {
  const now = GOLDEN_START_MS + 60_000
  const a = verifyDeviceCert(hex('alice', 'deviceCert'), {
    now,
    identityKey: hex('alice', 'identityPublic'),
  })
  assert.equal(toHex(a.deviceKey), str('alice', 'devicePublic'))
  const b = verifyPrekeyBundle(hex('bob', 'prekeyBundle'), {
    now,
    identityKey: hex('bob', 'identityPublic'),
  })
  assert.equal(b.signedPrekey.id, 1)
  assert.equal(toHex(b.pqPrekey.publicKey), str('bobPqPrekey', 'publicKey'))
})

void test('committed PQXDH initial frame and ratchet frames decrypt with the committed secrets', async () => {
  const platform: CryptoPlatform = {
    clock: () => GOLDEN_START_MS + 5000,
    // The responder draws its first ratchet key pair on receipt; any bytes will do here.
    random: (n) => new Uint8Array(n).fill(7),
  }
  const prekey = (section: string): PrekeySecret => ({
    kind: committed[section]!.kind as PrekeyKind,
    id: committed[section]!.id as number,
    publicKey: hex(section, 'publicKey'),
    secretKey: hex(section, 'secretKey'),
    deviceKey: hex('bob', 'devicePublic'),
    expiresAt: committed[section]!.expiresAt as number,
    signed: { body: new Uint8Array(0), signature: new Uint8Array(0) },
  })
  const prekeys = [prekey('bobSignedPrekey'), prekey('bobPqPrekey'), prekey('bobOneTimePrekey')]
  const bobSecret = hex('bob', 'deviceSecret')
  assert.equal(toHex(x25519PublicKey(bobSecret)), str('bob', 'devicePublic'))
  const bobCert = verifyDeviceCert(hex('bob', 'deviceCert'), { now: GOLDEN_START_MS + 5000 })
  const got = acceptSession({
    local: { cert: bobCert, keys: { publicKey: hex('bob', 'devicePublic'), secretKey: bobSecret } },
    frame: hex('session', 'initialFrame'),
    prekeys: (kind, id) => prekeys.find((p) => p.kind === kind && p.id === id),
    platform,
  })
  assert.equal(new TextDecoder().decode(got.message.body), 'hello bob')
  assert.equal(toHex(got.message.messageId), str('session', 'initialMessageId'))
  // Bob's stored state (after his reply) decrypts Alice's second message.
  const bob = Session.restore(JSON.parse(str('session', 'bobStateAfterReply')), platform)
  assert.equal(
    new TextDecoder().decode(bob.decrypt(hex('session', 'secondFrame')).body),
    'second from alice',
  )
  // The sealed envelope of the initial frame: regenerate it from the committed keys and open it.
  const sealed = await sealForMailbox(
    hex('sealed', 'mailboxPublic'),
    hex('session', 'initialFrame'),
  )
  assert.equal(sealed.length, committed.sealed!.envelopeLength)
  assert.deepEqual(
    await openSealed(hex('sealed', 'mailboxSecret'), sealed),
    hex('session', 'initialFrame'),
  )
})

void test('committed safety number and file share record', async () => {
  const sn = safetyNumber(hex('alice', 'identityPublic'), hex('bob', 'identityPublic'))
  assert.equal(sn.digits, str('safetyNumber', 'digits'))
  assert.equal(toHex(sn.qrPayload), str('safetyNumber', 'qrPayload'))
  const share = decodeFileShare(hex('file', 'shareRecord'))
  assert.equal(toHex(share.key), str('file', 'key'))
  assert.equal(toHex(share.ciphertextSha256), str('file', 'ciphertextSha256'))
  assert.equal(share.size, 40_000)
  // The committed header passes the key-commitment check with the committed key.
  await FileChunkReader.open(share.key, hex('file', 'header'))
})
