/**
 * The owner-signed `close` operation of /hestia/mailbox/1.0.0 (ADR 0211) against a real relay:
 * only the owner's key closes, a close deletes messages and prekeys, later deposits, prekey fetches
 * and a replayed close get `unknown_mailbox`, and a live subscription ends.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import {
  MailboxError,
  depositAddressOf,
  encodeRequest,
  newMailboxCredentials,
  signAuth,
  signedBodyOf,
} from '@hestia/core/mailbox/index.ts'
import type { MailboxClient } from '@hestia/core/mailbox/index.ts'
import { randomBytes } from '@noble/hashes/utils.js'
import type { RelayHandle } from '@hestia/relay-node'
import { startLoopbackRelay } from './support/loopback-relay.ts'
import {
  mailboxClientFor,
  rawExchange,
  sealedOf,
  startClientNode,
  testClock,
} from './relay-helpers.ts'

async function rejectsWith(p: Promise<unknown>, code: MailboxError['code']): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MailboxError, `expected MailboxError, got ${String(err)}`)
    assert.equal(err.code, code)
    return true
  })
}

describe('relay mailbox close', () => {
  const clock = testClock()
  let relay: RelayHandle
  let owner: Libp2p
  let other: Libp2p
  let ownerClient: MailboxClient
  let otherClient: MailboxClient
  let addr: string

  before(async () => {
    relay = await startLoopbackRelay({ now: clock.now })
    addr = relay.multiaddrs[0]!
    owner = await startClientNode()
    other = await startClientNode()
    ownerClient = mailboxClientFor(owner, addr, { now: clock.now })
    otherClient = mailboxClientFor(other, addr, { now: clock.now })
  })

  after(async () => {
    await ownerClient.close()
    await otherClient.close()
    await owner.stop()
    await other.stop()
    await relay.stop()
  })

  test('a close signed by another key is refused and changes nothing', async () => {
    const mine = newMailboxCredentials()
    await ownerClient.create(mine)
    await otherClient.deposit(depositAddressOf(mine), sealedOf(1024, 1))
    // Someone who knows the id and capability (an invite's reader) but not the auth key.
    const forged = { ...mine, ...newMailboxCredentials(), mailboxId: mine.mailboxId }
    await rejectsWith(otherClient.closeMailbox(forged), 'bad_signature')
    const { messages } = await ownerClient.fetch(mine)
    assert.equal(messages.length, 1)
    await otherClient.deposit(depositAddressOf(mine), sealedOf(1024, 2))
  })

  test('close deletes messages and prekeys; everything after gets unknown_mailbox', async () => {
    const mine = newMailboxCredentials()
    await ownerClient.create(mine)
    await ownerClient.publishPrekeys(mine, new Uint8Array(64).fill(7), [new Uint8Array(32)])
    await otherClient.deposit(depositAddressOf(mine), sealedOf(1024, 3))
    const before = await relay.stats()

    const ended: string[] = []
    const sub = await ownerClient.subscribe(mine, () => undefined)
    void sub.ended.then(() => ended.push('ended'))

    await ownerClient.closeMailbox(mine)
    const afterStats = await relay.stats()
    assert.equal(afterStats.mailboxes, before.mailboxes - 1)
    assert.equal(afterStats.storedMessages, before.storedMessages - 1)
    assert.equal(afterStats.oneTimePrekeys, before.oneTimePrekeys - 1)

    await rejectsWith(
      otherClient.deposit(depositAddressOf(mine), sealedOf(1024, 4)),
      'unknown_mailbox',
    )
    await rejectsWith(otherClient.fetchPrekeys(depositAddressOf(mine)), 'unknown_mailbox')
    await rejectsWith(ownerClient.fetch(mine), 'unknown_mailbox')
    await rejectsWith(ownerClient.closeMailbox(mine), 'unknown_mailbox')
    await sub.ended
    assert.deepEqual(ended, ['ended'])
  })

  test('a replayed close frame is refused (unknown_mailbox), a malformed one is typed', async () => {
    const mine = newMailboxCredentials()
    await ownerClient.create(mine)
    const auth = signAuth({
      op: 'close',
      mailboxId: mine.mailboxId,
      secretKey: mine.authSecretKey,
      encodedBody: signedBodyOf('close', {}),
      nowMs: clock.now(),
      randomBytes,
    })
    const frame = encodeRequest({ close: { auth } })
    const first = await rawExchange(owner, addr, [frame])
    assert.equal(first[0]?.error, '')
    const replay = await rawExchange(owner, addr, [frame])
    assert.equal(replay[0]?.error, 'unknown_mailbox')
    // An auth signed for another op does not close.
    const other = newMailboxCredentials()
    await ownerClient.create(other)
    const wrongOp = signAuth({
      op: 'subscribe',
      mailboxId: other.mailboxId,
      secretKey: other.authSecretKey,
      encodedBody: signedBodyOf('close', {}),
      nowMs: clock.now(),
      randomBytes,
    })
    const res = await rawExchange(owner, addr, [encodeRequest({ close: { auth: wrongOp } })])
    assert.equal(res[0]?.error, 'bad_signature')
    const noAuth = await rawExchange(owner, addr, [encodeRequest({ close: {} })])
    assert.equal(noAuth[0]?.error, 'malformed')
    await otherClient.deposit(depositAddressOf(other), sealedOf(1024, 5))
  })
})
