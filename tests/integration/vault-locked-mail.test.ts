/**
 * Mail that arrives while Hestia is locked (issue 17, ADR 0527) with real nodes and a real relay:
 * Alice runs the way the extension's host does — the HostVault over a sealed Dexie store
 * (fake-indexeddb), the messenger service stopped and the store closed on lock, a new service on
 * unlock. While she is locked Bob's messages wait in her relay mailbox: her database gains no row
 * and nothing readable; she answers nothing. After unlock every one of them shows, once, in the
 * order Bob sent them, and no notification carries their text.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { Dexie } from 'dexie'
import type { RelayHandle } from '@hestia/relay-node'
import type { ClientEvent, ClientRequest, ResponseFor } from '@hestia/core/client/api.ts'
import { createMessengerService } from '@hestia/core/messenger/index.ts'
import type { MessengerService } from '@hestia/core/messenger/index.ts'
import { hashWasmArgon2id } from '@hestia/core/store/at-rest/argon2id.ts'
import type { MessengerStore } from '@hestia/core/store/index.ts'
import { openDexieStore } from '../../extension/src/store/dexie-store.ts'
import { DATABASE_NAME } from '../../extension/src/store/schema.ts'
import { HostVault } from '../../extension/src/host/vault.ts'
import { memorySessionKeys } from '../../extension/src/host/session-keys.ts'
import {
  TestPeer,
  createTestMailboxNode,
  createTestNode,
  releaseWebRTC,
  startTestRelay,
  tempDir,
  waitUntil,
} from './support/messenger-harness.ts'

const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const PASS = 'locked mail passphrase'
const MARKER = 'LOCKED-MAIL-MARKER'

/** Alice as the extension's host runs her: vault, sealed store, one messenger service per unlock. */
class LockableHost {
  readonly indexedDB = new IDBFactory()
  readonly vault: HostVault
  readonly events: ClientEvent[] = []
  readonly notifications: string[] = []
  service: MessengerService | undefined
  #store: MessengerStore | undefined
  #starting: Promise<void> = Promise.resolve()
  readonly #relays: string[]

  constructor(relays: string[]) {
    this.#relays = relays
    this.vault = new HostVault({
      kdf: hashWasmArgon2id,
      calibrate: () => Promise.resolve(FAST),
      floor: FAST,
      sessionKeys: memorySessionKeys(),
      autoLock: { read: () => null, write: () => undefined, clear: () => undefined },
      closeMessenger: () => this.#close(),
      startMessenger: () => void (this.#starting = this.#open()),
      changed: () => undefined,
      database: { indexedDB: this.indexedDB, IDBKeyRange },
    })
  }

  /** Started (after unlock the vault starts it without waiting). */
  started(): Promise<void> {
    return this.#starting
  }

  async #open(): Promise<void> {
    const sealer = await this.vault.sealer()
    this.#store = await openDexieStore({
      indexedDB: this.indexedDB,
      IDBKeyRange,
      ...(sealer ? { sealer } : {}),
    })
    const service = createMessengerService({
      store: this.#store,
      defaultRelays: this.#relays,
      createNode: (key, relays) => createTestNode(key, relays, { direct: true }),
      createMailboxNode: createTestMailboxNode,
      receiptDelay: { minMs: 0, maxMs: 20 },
      notifier: (n) => this.notifications.push(n.title),
      log: () => undefined,
    })
    service.client.subscribe((e) => this.events.push(e))
    await service.start()
    this.service = service
  }

  async #close(): Promise<void> {
    await this.#starting.catch(() => undefined)
    const service = this.service
    this.service = undefined
    await service?.stop()
    await this.#store?.close()
    this.#store = undefined
  }

  async must<T extends ClientRequest>(
    request: T,
  ): Promise<Extract<ResponseFor<T>, { ok: true }>['value']> {
    if (this.service === undefined) throw new Error('Alice is locked: no service answers')
    const response = await this.service.client.request(request)
    if (!response.ok) throw new Error(`alice ${request.type}: ${response.error.code}`)
    return response.value
  }

  /** Raw rows of her messages table, and whether any stored byte holds `text`. */
  async raw(text: string): Promise<{ messages: number; readable: boolean }> {
    const db = new Dexie(DATABASE_NAME, { indexedDB: this.indexedDB, IDBKeyRange })
    await db.open()
    try {
      let readable = false
      for (const table of db.tables)
        for (const row of await table.toArray())
          if (
            JSON.stringify(row, (_k, v: unknown) =>
              v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
            ).includes(text)
          )
            readable = true
      return { messages: await db.table('messages').count(), readable }
    } finally {
      db.close()
    }
  }
}

/**
 * Messenger.stop() waits for in-flight frames, their receipts and invite closes, so no store call of
 * the old messenger is left to be refused once the lock forgot the key (it used to surface as an
 * unhandled "field cipher was locked" rejection). Collected here: there must be none.
 */
const lateRejections: unknown[] = []
const onRejection = (error: unknown) => void lateRejections.push(error)
process.on('unhandledRejection', onRejection)

let relay: RelayHandle
let alice: LockableHost
let bob: TestPeer
let aliceConversation = ''
let bobConversation = ''

before(async () => {
  relay = await startTestRelay(tempDir())
  alice = new LockableHost(relay.multiaddrs)
  bob = await new TestPeer('bob', relay.multiaddrs).start()
  // First run with a passphrase, as the product does: the store is sealed before anything is in it.
  await alice.vault.setPassphrase(PASS)
  await alice.started()
  await alice.must({ type: 'identity.create', displayName: 'alice' })
  await bob.must({ type: 'identity.create', displayName: 'bob' })
  const invite = await alice.must({ type: 'invite.mine' })
  bobConversation = (await bob.must({ type: 'invite.accept', invite: invite.link })).contact
    .conversationId
  await waitUntil('alice lists bob', async () => {
    const list = (await alice.must({ type: 'conversations.list', query: null })).conversations
    aliceConversation = list[0]?.conversationId ?? ''
    return aliceConversation !== ''
  })
  const { message } = await bob.must({
    type: 'messages.send',
    conversationId: bobConversation,
    text: 'before the lock',
  })
  await waitUntil('alice has bob’s first message', async () =>
    (
      await alice.must({
        type: 'messages.page',
        conversationId: aliceConversation,
        before: null,
        limit: 50,
      })
    ).messages.some((m) => m.messageId === message.messageId),
  )
})

after(async () => {
  await bob?.stop().catch(() => undefined)
  await alice?.vault.lock().catch(() => undefined)
  await relay?.stop().catch(() => undefined)
  releaseWebRTC()
  process.off('unhandledRejection', onRejection)
})

test('mail sent while locked waits on the relay and shows after unlock, all of it, in order', async () => {
  await alice.vault.lock()
  assert.equal(alice.service, undefined, 'locked: no messenger runs')
  const before = await alice.raw(MARKER)

  const count = 8
  const ids: string[] = []
  for (let i = 1; i <= count; i++) {
    const { message } = await bob.must({
      type: 'messages.send',
      conversationId: bobConversation,
      text: `${MARKER} ${i}`,
    })
    ids.push(message.messageId)
  }
  await waitUntil('bob’s messages deposited in alice’s mailbox', async () => {
    const history = await bob.history(bobConversation)
    return ids.every((id) => history.find((m) => m.messageId === id)?.delivery === 'sent')
  })
  const routes = bob.sent.filter((s) => s.messageId !== null && ids.includes(s.messageId))
  assert.ok(
    routes.length >= count && routes.every((s) => s.route === 'mailbox'),
    'alice is unreachable while locked: everything went to her mailbox',
  )

  const whileLocked = await alice.raw(MARKER)
  assert.equal(whileLocked.messages, before.messages, 'nothing was stored while locked')
  assert.equal(whileLocked.readable, false)

  const eventsBefore = alice.events.length
  await alice.vault.unlock(PASS)
  await alice.started()
  const expected = ids.map((_, i) => `${MARKER} ${i + 1}`)
  await waitUntil('alice shows all of them', async () => {
    const { messages } = await alice.must({
      type: 'messages.page',
      conversationId: aliceConversation,
      before: null,
      limit: 200,
    })
    return (
      messages.filter((m) => m.body.kind === 'text' && m.body.text.startsWith(MARKER)).length >=
      count
    )
  })
  const { messages } = await alice.must({
    type: 'messages.page',
    conversationId: aliceConversation,
    before: null,
    limit: 200,
  })
  const shown = messages.flatMap((m) =>
    m.body.kind === 'text' && m.body.text.startsWith(MARKER) ? [m.body.text] : [],
  )
  assert.deepEqual(shown, expected, 'each once, in the order bob sent them')
  const added = alice.events
    .slice(eventsBefore)
    .flatMap((e) =>
      e.type === 'message.added' && e.message.body.kind === 'text' ? [e.message.body.text] : [],
    )
  assert.deepEqual(added, expected, 'the live view received them in order too')
  assert.ok(
    alice.notifications.every((title) => !title.includes(MARKER)),
    'no notification carries message text',
  )
  assert.equal((await alice.raw(MARKER)).readable, false, 'stored sealed after unlock')
  assert.deepEqual(lateRejections.map(String), [], 'no store call outlived the locked messenger')
  await waitUntil('bob sees them delivered', async () => {
    const history = await bob.history(bobConversation)
    return ids.every((id) => history.find((m) => m.messageId === id)?.delivery === 'delivered')
  })
})
