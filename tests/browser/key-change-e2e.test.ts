// A real key change in the built extension (ADR 0720): two Chromium profiles (A, B) with the
// chrome-mv3 test build and a relay on 127.0.0.1. B reinstalls — a new identity, device and PeerId,
// its contact list restored without sessions (what a restore of contacts on a new install holds) —
// and writes to A through their existing relationship. On A the new key's messages are held: not in
// the chat, not unread, with the notice saying how many. A compares the safety number with B's new
// screen and trusts the new key: the held messages appear in order and B sees them delivered. B
// reinstalls again; A keeps the old key: the held messages are deleted and never shown, and what
// the refused key sends later is dropped.
//
//   node --test tests/browser/key-change-e2e.test.ts   (builds build/chrome-mv3-test if stale)

import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { systemPlatform } from '../../core/src/crypto/platform.ts'
import { createLocalIdentity } from '../../core/src/messenger/identity.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { ChromiumTestbed, launchAndOpen } from './support/chromium-testbed.ts'
import { historyIn, relayReady, textsIn, waitUntil } from './support/messenger-browser.ts'
import type { HestiaPage, ChromiumProfile, TestRelay } from './support/messenger-browser.ts'

const artifacts = join(repoRoot, 'tests', 'artifacts', 'key-change-e2e')
const DELIVERY_MS = 60_000

const bed = new ChromiumTestbed()
let relay: TestRelay
let profileA: ChromiumProfile
let profileB: ChromiumProfile
let a: HestiaPage
let b: HestiaPage
let convA = ''
let convB = ''
let bobAtA = ''
const opened: HestiaPage[] = []

async function shot(page: HestiaPage, name: string): Promise<void> {
  await page.page.waitForTimeout(150)
  await page.screenshot(join(artifacts, `${name}.png`))
}

async function setUp(page: HestiaPage, name: string): Promise<void> {
  await page.must({ type: 'identity.create', displayName: name })
  await page.must({ type: 'settings.addRelay', address: relay.address })
  await relayReady(page)
}

async function summaryAtA() {
  const list = await a.must({ type: 'conversations.list', query: null })
  const row = list.conversations.find((c) => c.conversationId === convA)
  assert.ok(row !== undefined, 'A still lists the conversation with B')
  return row
}

/**
 * B reinstalls: a new identity (made here as a fresh install makes it) replaces B's in its store,
 * B's sessions are gone and its contacts lose their inbound mailbox (it opens a new one), then B's
 * browser restarts so the host loads the new identity.
 */
async function reinstallB(): Promise<void> {
  const { record } = await createLocalIdentity(systemPlatform, 'Bob')
  const plain = {
    ...record,
    identityPublicKey: [...record.identityPublicKey],
    secretKeys: [...record.secretKeys],
    deviceCertificate: [...record.deviceCertificate],
  }
  await b.page.evaluate(async (identity) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('hestia-messenger')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'))
    })
    try {
      const tx = db.transaction(['singletons', 'sessions', 'contacts'], 'readwrite')
      tx.objectStore('singletons').put({
        key: 'identity',
        value: {
          ...identity,
          identityPublicKey: new Uint8Array(identity.identityPublicKey),
          secretKeys: new Uint8Array(identity.secretKeys),
          deviceCertificate: new Uint8Array(identity.deviceCertificate),
        },
      })
      tx.objectStore('sessions').clear()
      const contacts = tx.objectStore('contacts')
      const all = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
        const get = contacts.getAll()
        get.onsuccess = () => resolve(get.result as Record<string, unknown>[])
        get.onerror = () => reject(get.error ?? new Error('getAll failed'))
      })
      // null is no IndexedDB key: the row simply leaves the unique mailbox index.
      for (const c of all) contacts.put({ ...c, inboundMailboxId: null })
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error ?? new Error('transaction failed'))
      })
    } finally {
      db.close()
    }
  }, plain)
  await profileB.close()
  await profileB.launch()
  b = await profileB.open()
  opened.push(b)
  await relayReady(b)
  const status = await b.must({ type: 'identity.status' })
  assert.equal(status.state, 'ready')
}

/** B (new install) sends texts through the UI-less API, as its composer would. */
async function sendFromB(...lines: string[]): Promise<void> {
  for (const text of lines) await b.must({ type: 'messages.send', conversationId: convB, text })
}

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    ;[profileA, profileB] = await bed.start(['Alice', 'Bob'])
    relay = bed.relay
    ;[a, b] = await launchAndOpen([profileA, profileB])
    opened.push(a, b)
  },
  { timeout: 720_000 },
)

after(() => bed.destroy())

describe('a real key change between two Chromium profiles', { concurrency: 1 }, () => {
  test('A and B become contacts and talk', { timeout: 180_000 }, async () => {
    await Promise.all([setUp(a, 'Alice'), setUp(b, 'Bob')])
    const invite = await a.must({ type: 'invite.mine' })
    const accepted = await b.must({ type: 'invite.accept', invite: invite.link })
    convB = accepted.contact.conversationId
    await sendFromB('hi alice, old bob here')
    await waitUntil(
      'A shows B’s first message',
      async () => {
        const list = await a.must({ type: 'conversations.list', query: null })
        const row = list.conversations[0]
        if (row === undefined) return false
        convA = row.conversationId
        bobAtA = row.contact.contactId
        return (await textsIn(a, convA)).includes('hi alice, old bob here')
      },
      DELIVERY_MS,
    )
    const reply = await a.must({ type: 'messages.send', conversationId: convA, text: 'hi bob' })
    await waitUntil(
      'B gets A’s reply',
      async () => (await textsIn(b, convB)).includes('hi bob'),
      DELIVERY_MS,
    )
    assert.ok(reply.message.messageId.length > 0)
  })

  test(
    'B reinstalls: held on A, released in order after verifying by safety number',
    { timeout: 300_000 },
    async () => {
      const before = await summaryAtA()
      await reinstallB()
      const lines = ['new install: one', 'new install: two', 'new install: three']
      await sendFromB(...lines)
      await waitUntil(
        'A holds B’s three messages under the new key',
        async () => (await summaryAtA()).contact.heldCount === 3,
        DELIVERY_MS,
      )
      const held = await summaryAtA()
      assert.equal(held.contact.trust, 'key_changed')
      assert.equal(held.unreadCount, before.unreadCount, 'held messages are not unread')
      for (const line of lines) assert.ok(!(await textsIn(a, convA)).includes(line))

      // A's chat: the notice says three are held; none of them is in the list.
      await a.page.reload()
      await a.page.getByTestId('conversation-row').filter({ hasText: 'Bob' }).click()
      const notice = a.page.getByTestId('key-change-notice')
      await notice.waitFor()
      await a.page
        .getByTestId('held-count')
        .filter({ hasText: '3 messages sent under the new key are held.' })
        .waitFor()
      assert.equal(
        await a.page.getByTestId('message-list').getByText('new install: one').count(),
        0,
      )
      await shot(a, '01-alice-held')

      // Verify by safety number: A's screen shows the new key's digits, equal to B's new screen.
      await notice.getByRole('button', { name: 'Verify the new key' }).click()
      await a.page.getByTestId('key-change-steps').waitFor()
      const groupsA = (await a.page.getByTestId('safety-number').locator('li').allInnerTexts()).map(
        (g) => g.trim(),
      )
      const aliceAtB = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
        .contact.contactId
      const infoB = await b.must({ type: 'contact.info', contactId: aliceAtB })
      assert.deepEqual(groupsA, infoB.safetyNumber, 'A and B’s new install show the same number')
      await shot(a, '02-alice-compare')
      await a.page.getByRole('checkbox', { name: /I compared all 60 digits/ }).check()
      await a.page.getByRole('button', { name: 'They match: trust the new key' }).click()
      await a.page.getByTestId('trust-state').locator('[data-trust="verified"]').waitFor()

      const after = await textsIn(a, convA)
      const released = after.filter((t) => lines.includes(t))
      assert.deepEqual(released, lines, 'released in order')
      // Released unread (opening the chat earlier marked the older messages read).
      const releasedRecords = (await historyIn(a, convA)).filter(
        (m) => m.body.kind === 'text' && lines.includes(m.body.text),
      )
      assert.ok(releasedRecords.every((m) => m.readAt === null && m.direction === 'in'))
      assert.ok((await summaryAtA()).unreadCount >= 3)
      await a.page.getByTestId('conversation-row').filter({ hasText: 'Bob' }).click()
      await a.page.getByTestId('message-list').getByText('new install: three').waitFor()
      await shot(a, '03-alice-released')
      // B's new install sees its held messages delivered, and A can write again.
      await waitUntil(
        'B sees the released messages delivered',
        async () =>
          (await historyIn(b, convB))
            .filter((m) => m.body.kind === 'text' && lines.includes(m.body.text))
            .every((m) => m.delivery === 'delivered'),
        DELIVERY_MS,
      )
      await a.must({ type: 'messages.send', conversationId: convA, text: 'welcome back' })
      await waitUntil(
        'B’s new install gets A’s message',
        async () => (await textsIn(b, convB)).includes('welcome back'),
        DELIVERY_MS,
      )
    },
  )

  test(
    'B reinstalls again: A keeps the old key, the held messages are deleted, later ones dropped',
    { timeout: 300_000 },
    async () => {
      const before = await summaryAtA()
      await reinstallB()
      await sendFromB('impostor? one', 'impostor? two')
      await waitUntil(
        'A holds two messages under the newest key',
        async () => (await summaryAtA()).contact.heldCount === 2,
        DELIVERY_MS,
      )
      await a.page.reload()
      await a.page.getByTestId('conversation-row').filter({ hasText: 'Bob' }).click()
      const notice = a.page.getByTestId('key-change-notice')
      await notice.waitFor()
      await a.page
        .getByTestId('held-count')
        .filter({ hasText: '2 messages sent under the new key are held.' })
        .waitFor()
      await notice.getByRole('button', { name: 'Keep the old key…' }).click()
      await shot(a, '04-alice-keep-old-confirm')
      await notice.getByRole('button', { name: 'Keep the old key', exact: true }).click()
      await notice.waitFor({ state: 'detached' })
      await a.page
        .getByText(/You kept .*old security key/)
        .first()
        .waitFor()
      await shot(a, '05-alice-kept-old-key')
      const kept = await summaryAtA()
      assert.equal(kept.contact.trust, before.contact.trust, 'trust is what it was before')
      assert.equal(kept.contact.trust, 'verified', 'the key A verified stays the verified one')
      assert.equal(kept.contact.heldCount, 0)
      assert.ok(kept.unreadCount <= before.unreadCount, 'nothing of the refused key is unread')
      const shown = await textsIn(a, convA)
      assert.ok(!shown.includes('impostor? one') && !shown.includes('impostor? two'))

      // The refused key writes again: nothing is shown or held.
      await sendFromB('impostor? three')
      await waitUntil(
        'B’s third message left B',
        async () =>
          (await historyIn(b, convB)).some(
            (m) =>
              m.body.kind === 'text' && m.body.text === 'impostor? three' && m.delivery === 'sent',
          ),
        DELIVERY_MS,
      )
      await a.page.waitForTimeout(3_000)
      const later = await summaryAtA()
      assert.equal(later.contact.trust, 'verified')
      assert.equal(later.contact.heldCount, 0)
      assert.ok(!(await textsIn(a, convA)).includes('impostor? three'))
      const info = await a.must({ type: 'contact.info', contactId: bobAtA })
      assert.equal(info.refusedKeys, 1)
    },
  )

  test('no page problems', () => {
    assert.deepEqual(
      opened.flatMap((page) => page.problems.map((p) => `${page.name}: ${p}`)),
      [],
    )
  })
})
