// Issue 17's forensic test in the built Chromium extension: Alice sets a passphrase at first run
// (as the product does: before anything is stored), chats with Bob (no passphrase), stages a file
// and receives one. Then, with Alice locked, every record of her two IndexedDB databases (read
// with the raw IndexedDB API from an extension page) and every file of her profile directory are
// searched for the message texts, both names, both files' contents, and her identity secret,
// libp2p key and mailbox root (raw, hex, base64, base64url): none may be found. Repeated after
// Bob's messages arrived while she was locked (they wait on the relay, ADR 0527), after unlock →
// lock, and after the browser closed. Unlocking shows the mail that arrived while locked, all of
// it, in the order Bob sent it.
//
// Control: Bob's plaintext profile holds Alice's reply and her name (the scan does find things).
//
//   node --test tests/browser/vault-forensic-e2e.test.ts   (builds build/chrome-mv3-test if stale)

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import type { ChatMessage } from '../../core/src/client/api.ts'
import { fromBase64Url } from '../../core/src/crypto/bytes.ts'
import { decodeSecrets } from '../../core/src/messenger/secrets.ts'
import { RowSealer } from '../../core/src/store/at-rest/row-sealer.ts'
import { systemRandom } from '../../core/src/crypto/platform.ts'
import {
  acceptIncoming,
  offerThroughUi,
  serviceWorkerOf,
  waitForCompleted,
} from '../bench/lib/extension-files.ts'
import { openProfile, type BenchExtensionPage } from '../bench/lib/extension-pair.ts'
import { snapshotTestBuild } from './support/fresh-build.ts'
import {
  TestRelay,
  vaultStateWhenUp,
  waitUntil,
  type ChromiumProfile,
} from './support/messenger-browser.ts'
import {
  dumpDatabases,
  revive,
  rowCounts,
  searchDump,
  searchFiles,
  secretForms,
  textNeedle,
  type DumpedStore,
  type Needle,
} from './vault-forensic-scan.ts'

const DATABASES = ['hestia-messenger', 'hestia-files']
const PASS = 'forensic passphrase 17'
const ALICE = 'Quokka-Alice-Forensic'
const BOB = 'Zanzibar-Bob-Forensic'
const TO_ALICE = 'ALICE-READS-THIS-MARKER'
const FROM_ALICE = 'ALICE-WROTE-THIS-MARKER'
const WHILE_LOCKED = (i: number) => `WHILE-LOCKED-MARKER-${i}`
const STAGED_CONTENT = 'STAGED-FILE-CONTENT-MARKER'
const RECEIVED_CONTENT = 'RECEIVED-FILE-CONTENT-MARKER'
const RELAY_READY_MS = 45_000
const DELIVERY_MS = 45_000

let relay: TestRelay | undefined
let build: { dir: string; remove: () => Promise<void> } | undefined
let workDir = ''
const opened: ChromiumProfile[] = []
let alice: BenchExtensionPage
let bob: BenchExtensionPage
let aliceConversation = ''
let bobConversation = ''
const needles: Needle[] = [
  textNeedle(TO_ALICE),
  textNeedle(FROM_ALICE),
  textNeedle(ALICE),
  textNeedle(BOB),
  textNeedle(STAGED_CONTENT),
  textNeedle(RECEIVED_CONTENT),
  textNeedle('WHILE-LOCKED-MARKER'),
]

async function joinRelay(page: BenchExtensionPage, name: string): Promise<void> {
  await page.must({ type: 'identity.create', displayName: name })
  await page.must({ type: 'settings.addRelay', address: relay!.address })
  await waitUntil(`${name} on the relay`, () => page.relayReady(), RELAY_READY_MS, 200)
}

async function texts(page: BenchExtensionPage, conversationId: string): Promise<string[]> {
  const { messages } = await page.must({
    type: 'messages.page',
    conversationId,
    before: null,
    limit: 200,
  })
  return messages.map((m: ChatMessage) => (m.body.kind === 'text' ? m.body.text : ''))
}

async function waitForText(page: BenchExtensionPage, conversationId: string, text: string) {
  await waitUntil(
    `${page.name} to have "${text}"`,
    async () => (await texts(page, conversationId)).includes(text),
    DELIVERY_MS,
    200,
  )
}

/** Alice's data key (the service worker keeps it in storage.session while unlocked). */
async function aliceDataKey(): Promise<Uint8Array> {
  const key = await serviceWorkerOf(alice).evaluate(async () => {
    type Area = { get(key: string): Promise<Record<string, unknown>> }
    const area = (globalThis as unknown as { chrome: { storage: { session: Area } } }).chrome
      .storage.session
    return (await area.get('hestia.dataKey'))['hestia.dataKey']
  })
  assert.equal(typeof key, 'string', 'unlocked: the worker keeps the data key')
  return fromBase64Url(key as string)
}

/** Opens Alice's sealed identity row with her data key: the secrets to search for. */
function secretsFrom(dump: readonly DumpedStore[], dataKey: Uint8Array): Needle[] {
  const store = dump.find((s) => s.database === 'hestia-messenger' && s.store === 'singletons')
  assert.ok(store, 'the messenger database has its singletons table')
  const sealer = new RowSealer(dataKey, systemRandom, 'hestia-messenger')
  const shape = { name: 'singletons', primaryKey: ['key'], indexed: ['key'] }
  for (const row of store.rows) {
    const opened = sealer.open(shape, revive(row.value) as Record<string, unknown>)
    if (opened['key'] !== 'identity') continue
    const identity = opened['value'] as { secretKeys: Uint8Array }
    const secrets = decodeSecrets(identity.secretKeys)
    sealer.forget()
    return [
      ...secretForms('identity secret', secrets.identitySecret),
      ...secretForms('libp2p key', secrets.libp2pKey),
      ...secretForms('mailbox root', secrets.mailboxRoot),
      ...secretForms('data key', dataKey),
    ]
  }
  throw new Error('no identity row in the dump')
}

async function assertNothingReadable(when: string, page: Page = alice.page): Promise<void> {
  const dump = await dumpDatabases(page, DATABASES)
  const counts = rowCounts(dump)
  assert.ok((counts['hestia-messenger/messages'] ?? 0) > 0, `${when}: the dump read messages`)
  assert.deepEqual(searchDump(dump, needles), [], `${when}: IndexedDB records`)
  assert.deepEqual(
    await searchFiles(alice.profile.profileDir, needles),
    [],
    `${when}: the profile's files`,
  )
}

before(
  async () => {
    build = await snapshotTestBuild('chrome-mv3')
    workDir = await mkdtemp(join(tmpdir(), 'hestia-vault-forensic-'))
    relay = await TestRelay.start()
    ;[alice, bob] = await Promise.all([
      openProfile('Alice', build.dir, opened),
      openProfile('Bob', build.dir, opened),
    ])
  },
  { timeout: 720_000 },
)

after(async () => {
  await Promise.allSettled(opened.map((p) => p.destroy()))
  await relay?.destroy()
  await build?.remove()
  if (workDir !== '') await rm(workDir, { recursive: true, force: true })
})

test(
  'locked: no record and no file of the profile holds a message, name, file or secret',
  { timeout: 300_000 },
  async () => {
    // First run with a passphrase: set before the identity is stored (the product's order).
    await alice.must({ type: 'vault.setPassphrase', passphrase: PASS })
    await Promise.all([joinRelay(alice, ALICE), joinRelay(bob, BOB)])
    const invite = await alice.must({ type: 'invite.mine' })
    bobConversation = (await bob.must({ type: 'invite.accept', invite: invite.link })).contact
      .conversationId
    await bob.must({ type: 'messages.send', conversationId: bobConversation, text: TO_ALICE })
    await waitUntil(
      'Alice to list her conversation with Bob',
      async () => {
        const { conversations } = await alice.must({ type: 'conversations.list', query: null })
        aliceConversation = conversations[0]?.conversationId ?? ''
        return aliceConversation !== ''
      },
      DELIVERY_MS,
      200,
    )
    await waitForText(alice, aliceConversation, TO_ALICE)
    await alice.must({ type: 'messages.send', conversationId: aliceConversation, text: FROM_ALICE })
    await waitForText(bob, bobConversation, FROM_ALICE)

    // A file Alice picked (staged through her host, kept for sending) and one she received.
    const staged = await alice.page.evaluate(
      (content) =>
        new Promise<{ ok: boolean; size?: number }>((resolve) => {
          const channel = new BroadcastChannel('hestia/v1/staging')
          const id = crypto.randomUUID()
          channel.onmessage = (
            event: MessageEvent<{ id: string; type: string; staged?: { size: number } }>,
          ) => {
            if (event.data.id !== id || event.data.type === 'accepted') return
            channel.close()
            resolve({ ok: event.data.type === 'staged', size: event.data.staged?.size })
          }
          channel.postMessage({
            type: 'stage',
            id,
            file: new File([content.repeat(4000)], 'picked.txt'),
          })
        }),
      STAGED_CONTENT,
    )
    assert.deepEqual(staged, { ok: true, size: STAGED_CONTENT.length * 4000 })
    const sent = join(workDir, 'for-alice.txt')
    await writeFile(sent, RECEIVED_CONTENT.repeat(4000))
    await offerThroughUi(bob, ALICE, sent)
    const incoming = await acceptIncoming(alice)
    await waitForCompleted(alice, incoming.transfer.transferId, 60_000)

    const secrets = secretsFrom(await dumpDatabases(alice.page, DATABASES), await aliceDataKey())
    needles.push(...secrets)

    // Control: Bob's profile has no passphrase, and the same scan finds Alice's words there.
    const bobHits = searchDump(await dumpDatabases(bob.page, DATABASES), needles)
    assert.ok(
      bobHits.some((hit) => hit.includes(FROM_ALICE)),
      'the scan finds plaintext',
    )
    assert.ok((await searchFiles(bob.profile.profileDir, needles)).length > 0)

    assert.equal((await alice.must({ type: 'vault.lock' })).state, 'locked')
    await assertNothingReadable('locked')
  },
)

test(
  'mail sent while Alice is locked waits, nothing readable lands, and unlock shows it in order',
  { timeout: 240_000 },
  async () => {
    const count = 6
    for (let i = 1; i <= count; i++)
      await bob.must({
        type: 'messages.send',
        conversationId: bobConversation,
        text: WHILE_LOCKED(i),
      })
    // Sent = deposited in Alice's mailbox on the relay (her node is off while locked).
    await waitUntil(
      "Bob's messages to leave his outbox",
      async () => {
        const { messages } = await bob.must({
          type: 'messages.page',
          conversationId: bobConversation,
          before: null,
          limit: 200,
        })
        const mine = messages.filter(
          (m) => m.body.kind === 'text' && m.body.text.startsWith('WHILE-LOCKED'),
        )
        return mine.length === count && mine.every((m) => m.delivery === 'sent')
      },
      DELIVERY_MS,
      250,
    )
    const refused = await alice.request({
      type: 'messages.page',
      conversationId: aliceConversation,
      before: null,
      limit: 10,
    })
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'locked')
    await assertNothingReadable('locked, after mail arrived')

    await alice.must({ type: 'vault.unlock', passphrase: PASS })
    const expected = Array.from({ length: count }, (_, i) => WHILE_LOCKED(i + 1))
    await waitUntil(
      'Alice to show every message sent while she was locked',
      async () => {
        const response = await alice.request({
          type: 'messages.page',
          conversationId: aliceConversation,
          before: null,
          limit: 200,
        })
        if (!response.ok) return false
        return (
          response.value.messages.filter(
            (m) => m.body.kind === 'text' && m.body.text.startsWith('WHILE-LOCKED'),
          ).length === count
        )
      },
      DELIVERY_MS,
      250,
    )
    const shown = (await texts(alice, aliceConversation)).filter((t) =>
      t.startsWith('WHILE-LOCKED'),
    )
    assert.deepEqual(shown, expected, 'all of them, once each, in the order Bob sent them')
  },
)

test(
  'after unlock → lock, and after the browser closed, still nothing readable',
  { timeout: 180_000 },
  async () => {
    assert.equal((await alice.must({ type: 'vault.lock' })).state, 'locked')
    await assertNothingReadable('locked again')
    // The browser closes: what stays on disk (LevelDB flushed its log on close).
    const profile = alice.profile
    await profile.close()
    assert.deepEqual(await searchFiles(profile.profileDir, needles), [], 'closed profile files')
    // Reopened: still locked, and the records still hold nothing readable.
    await profile.launch()
    const page = await profile.context!.newPage()
    await page.goto(profile.url('popup.html?layout=tab'))
    assert.equal(await vaultStateWhenUp(page), 'locked', 'a browser restart does not unlock')
    await assertNothingReadable('after a browser restart', page)
  },
)
