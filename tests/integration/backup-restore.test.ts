/**
 * Encrypted backup with real messengers and a real relay (issue 17, ADR 0524): A exports, A'
 * imports on a fresh store, A' and B chat both ways, B sees the same safety number and no key
 * change, and the old A (still running) is told it was replaced and stops sending. Attacker
 * side: a wrong passphrase, a flipped byte, a truncated file, a newer version and a backup of
 * another identity all give their typed sentence and change nothing: the fresh device still has
 * no identity (first run still offered) and the device with an identity keeps it.
 *
 * The files use the writers' real parameters (Argon2id 256 MiB, t = 3, p = 4).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { fromBase64Url, toBase64Url } from '@hestia/core/crypto/bytes.ts'
import { BackupError } from '@hestia/core/backup/errors.ts'
import { decodeBackup } from '@hestia/core/backup/format.ts'
import { normaliseRecoveryCode } from '@hestia/core/backup/recovery-code.ts'
import { hashWasmArgon2id, passphraseBytes } from '@hestia/core/store/at-rest/argon2id.ts'
import { BACKUP_CLIENT_CODES } from '@hestia/core/messenger/handlers/backup.ts'
import { decodeSecrets, encodeSecrets } from '@hestia/core/messenger/secrets.ts'
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

const PASSPHRASE = 'correct horse battery staple'

describe('backup: export, restore on a fresh install, the old device told', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let restored: TestPeer | null = null
  let convA: string
  let convB: string
  let file: string
  /** A's history when the backup was made (receipts may move A's ticks afterwards). */
  let historyAtExport: unknown

  async function peer(name: string): Promise<TestPeer> {
    const p = new TestPeer(name, relay.multiaddrs)
    p.direct = false // every message takes the mailbox: the route a restore has to re-establish
    return p.start()
  }

  async function safetyNumberOnB(): Promise<{ digits: string; trust: string; held: number }> {
    const contactId = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
      .contact.contactId
    const info = await b.must({ type: 'contact.info', contactId })
    return {
      digits: info.safetyNumber.join(' '),
      trust: info.contact.trust,
      held: info.contact.heldCount,
    }
  }

  async function accountOf(p: TestPeer) {
    return {
      identity: await p.store.getIdentity(),
      contacts: await p.store.listContacts(),
      conversations: await p.store.listConversations(100),
    }
  }

  before(async () => {
    relay = await startTestRelay()
    a = await peer('alice')
    b = await peer('bob')
    ;({ convA, convB } = await connectPeers(a, b))
    await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'before the backup, from A',
    })
    await waitUntil('B has A’s first message', async () =>
      (await b.texts(convB)).includes('before the backup, from A'),
    )
    await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'before the backup, from B',
    })
    await waitUntil('A has B’s first message', async () =>
      (await a.texts(convA)).includes('before the backup, from B'),
    )
    // A verifies B: A's verification state of B must travel in A's backup.
    const bobId = (await a.must({ type: 'conversations.list', query: null })).conversations[0]!
      .contact.contactId
    const bobInfo = await b.must({
      type: 'contact.info',
      contactId: (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
        .contact.contactId,
    })
    await a.must({
      type: 'contact.verify',
      contactId: bobId,
      method: 'qr',
      scannedPayload: bobInfo.myVerificationQr,
    })
  })

  after(async () => {
    await restored?.stop().catch(() => undefined)
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test('export: a passphrase file, and a recovery code shown once that opens its own file', async () => {
    await waitUntil('A’s first message delivered', async () =>
      (await a.history(convA)).some((m) => m.direction === 'out' && m.delivery === 'delivered'),
    )
    historyAtExport = await a.history(convA)
    const exported = await a.must({ type: 'backup.export', passphrase: PASSPHRASE })
    assert.equal(exported.recoveryCode, null)
    assert.equal(exported.contacts, 1)
    assert.equal(exported.messages, (await a.history(convA)).length)
    assert.equal(fromBase64Url(exported.file).length, exported.bytes)
    assert.match(exported.fileName, /^hestia-backup-\d{4}-\d{2}-\d{2}\.hestia$/)
    file = exported.file
    const coded = await a.must({ type: 'backup.export', passphrase: null })
    assert.match(coded.recoveryCode ?? '', /^(\d{5} ){5}\d{5}$/)
    const short = await a.req({ type: 'backup.export', passphrase: 'short' })
    assert.ok(
      !short.ok && short.error.code === 'invalid_request',
      'a chosen passphrase has ≥ 8 characters',
    )
    // The recovery code, typed with dashes, opens its file (and nothing else does). Opened here
    // rather than imported: a second restored device would also replace the old one at B.
    const typed = coded.recoveryCode!.replaceAll(' ', '-')
    const contents = await decodeBackup(
      fromBase64Url(coded.file),
      passphraseBytes(normaliseRecoveryCode(typed)!),
      hashWasmArgon2id,
    )
    assert.deepEqual(
      contents.identity.identityPublicKey,
      (await a.store.getIdentity())!.identityPublicKey,
    )
    await assert.rejects(
      decodeBackup(fromBase64Url(coded.file), passphraseBytes(PASSPHRASE), hashWasmArgon2id),
      (e: unknown) => e instanceof BackupError && e.code === 'wrong_passphrase',
    )
  })

  test('attacker: wrong passphrase, flipped byte, truncated, newer version → a sentence, nothing imported', async () => {
    const fresh = await peer('alice-prime-attempts')
    try {
      const bytes = fromBase64Url(file)
      const flipped = Uint8Array.from(bytes)
      flipped[bytes.length - 40]! ^= 0x01
      const newer = Uint8Array.from(bytes)
      newer[8] = 2
      const cases: { what: string; file: string; passphrase: string; code: string }[] = [
        {
          what: 'wrong passphrase',
          file,
          passphrase: 'correct horse battery stapler',
          code: 'backup_wrong_passphrase',
        },
        {
          what: 'flipped byte',
          file: toBase64Url(flipped),
          passphrase: PASSPHRASE,
          code: 'backup_wrong_passphrase',
        },
        {
          what: 'truncated',
          file: toBase64Url(bytes.subarray(0, bytes.length - 100)),
          passphrase: PASSPHRASE,
          code: 'backup_truncated',
        },
        {
          what: 'newer version',
          file: toBase64Url(newer),
          passphrase: PASSPHRASE,
          code: 'backup_unsupported_version',
        },
        {
          what: 'not a backup',
          file: toBase64Url(new TextEncoder().encode('PK\u0003\u0004 a zip')),
          passphrase: PASSPHRASE,
          code: 'backup_not_a_backup',
        },
      ]
      for (const c of cases) {
        const res = await fresh.req({
          type: 'backup.import',
          file: c.file,
          passphrase: c.passphrase,
        })
        assert.ok(!res.ok, c.what)
        assert.equal(res.error.code, c.code, c.what)
        assert.ok(CLIENT_ERROR_TEXT[res.error.code].length > 20, `${c.what}: a sentence`)
        // Nothing changed: still the first run, an empty store, no node.
        assert.deepEqual(await fresh.must({ type: 'identity.status' }), { state: 'none' }, c.what)
        assert.deepEqual(await accountOf(fresh), {
          identity: undefined,
          contacts: [],
          conversations: [],
        })
        assert.equal(fresh.service.node, null, `${c.what}: no node started`)
      }
    } finally {
      await fresh.stop()
    }
  })

  test('attacker: a backup imported where an identity exists → identity_exists, nothing changed', async () => {
    const before = await accountOf(b)
    const res = await b.req({ type: 'backup.import', file, passphrase: PASSPHRASE })
    assert.ok(!res.ok && res.error.code === 'identity_exists')
    assert.deepEqual(await accountOf(b), before)
  })

  test('restore: A’ has the same identity and history, chats with B both ways; B sees the same safety number and no key change; the old A is told', async () => {
    const onB = await safetyNumberOnB()
    const oldIdentity = await a.store.getIdentity()
    restored = await peer('alice-prime')
    const imported = await restored.must({ type: 'backup.import', file, passphrase: PASSPHRASE })
    assert.equal(imported.contacts, 1)
    assert.equal(imported.messages, (await a.history(convA)).length)
    const status = await a.must({ type: 'identity.status' })
    assert.equal(imported.identity.state, 'ready')
    assert.ok(status.state === 'ready' && imported.identity.state === 'ready')
    assert.equal(imported.identity.fingerprint, status.fingerprint, 'same identity fingerprint')
    const newIdentity = (await restored.store.getIdentity())!
    assert.deepEqual(
      newIdentity.identityPublicKey,
      oldIdentity!.identityPublicKey,
      'same identity key',
    )
    assert.notEqual(newIdentity.deviceId, oldIdentity!.deviceId, 'a new device under it')
    const convA2 = await restored.onlyConversation()
    assert.equal(convA2, convA)
    assert.deepEqual(await restored.history(convA2), historyAtExport, 'the same history')
    const bobOnA2 = (await restored.must({ type: 'conversations.list', query: null }))
      .conversations[0]!.contact
    assert.equal(bobOnA2.trust, 'verified', 'verification restored')
    assert.deepEqual(
      await restored.store.listSessions(bobOnA2.contactId),
      [],
      'no session came from the file',
    )

    // A' writes first (B knows only the old device until A' says hello), then B answers.
    await restored.must({
      type: 'messages.send',
      conversationId: convA2,
      text: 'from the restored device',
    })
    await waitUntil(
      'B has the restored device’s message',
      async () => (await b.texts(convB)).includes('from the restored device'),
      60_000,
    )
    await b.must({ type: 'messages.send', conversationId: convB, text: 'welcome back' })
    await waitUntil(
      'A’ has B’s reply',
      async () => (await restored!.texts(convA2)).includes('welcome back'),
      60_000,
    )
    assert.deepEqual(
      await safetyNumberOnB(),
      { ...onB, trust: onB.trust, held: 0 },
      'same safety number, no key change on B',
    )
    assert.notEqual(onB.trust, 'key_changed')
    const aliceOnB = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
      .contact.contactId
    const sessionsOnB = await b.store.listSessions(aliceOnB)
    assert.deepEqual(
      sessionsOnB.map((s) => s.deviceId),
      [newIdentity.deviceId],
      'B dropped the old device’s session',
    )

    // The old A is told, and refuses to send into sessions nobody reads.
    await waitUntil(
      'the old A learns it was replaced',
      async () => {
        const s = await a.must({ type: 'identity.status' })
        return s.state === 'ready' && s.replaced !== undefined
      },
      60_000,
    )
    const told = await a.must({ type: 'identity.status' })
    assert.ok(told.state === 'ready' && told.replaced?.byDeviceId === newIdentity.deviceId)
    assert.ok(
      a.events.some(
        (e) =>
          e.type === 'identity.changed' &&
          e.identity.state === 'ready' &&
          e.identity.replaced !== undefined,
      ),
    )
    const refused = await a.req({
      type: 'messages.send',
      conversationId: convA,
      text: 'from the old device',
    })
    assert.ok(!refused.ok && refused.error.code === 'device_replaced')
    const invite = await a.req({ type: 'invite.mine' })
    assert.ok(!invite.ok && invite.error.code === 'device_replaced', 'no new contact here either')
    assert.ok((await a.texts(convA)).length > 0, 'the history stays readable')
    // B never shows anything from the old device after the replacement.
    assert.ok(!(await b.texts(convB)).includes('from the old device'))
  })

  test('attacker: an old device that ignores the notice — what it sends never shows on B', async () => {
    assert.ok(restored !== null, 'runs after the restore')
    // The old A forgets it was told (a device that never got the notice, or a patched one).
    const identity = (await a.store.getIdentity())!
    const secrets = decodeSecrets(identity.secretKeys)
    delete secrets.replaced
    await a.store.putIdentity({ ...identity, secretKeys: encodeSecrets(secrets) })
    const sent = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'old device, ignored',
    })
    await waitUntil(
      'the old A deposited it',
      async () =>
        (await a.history(convA)).some(
          (m) => m.messageId === sent.message.messageId && m.delivery === 'sent',
        ),
      60_000,
    )
    // Deposited after the old device's frame in the same mailbox of B: processed after it.
    await restored.must({ type: 'messages.send', conversationId: convA, text: 'marker after it' })
    await waitUntil(
      'B has the marker',
      async () => (await b.texts(convB)).includes('marker after it'),
      60_000,
    )
    assert.ok(!(await b.texts(convB)).includes('old device, ignored'), 'dropped by B')
    const onB = await safetyNumberOnB()
    assert.equal(onB.held, 0, 'not held as a key change either')
  })

  test('the client sentences for backup failures are the backup module’s', () => {
    for (const [code, clientCode] of Object.entries(BACKUP_CLIENT_CODES))
      assert.equal(CLIENT_ERROR_TEXT[clientCode], new BackupError(code as never).sentence, code)
  })
})
