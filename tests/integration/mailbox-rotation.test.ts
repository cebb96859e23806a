/**
 * Mailbox rotation (issue #18, ADR 0755) with real nodes on the mailbox route: the contact is
 * offline while we rotate (and we restart meanwhile); when it comes back, both sides get every
 * message exactly once and in order, the contact writes to the new mailbox, and the old one is
 * closed at the relay. And the schedule: a week later the node rotates by itself.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { decodeOutbound } from '@hestia/core/messenger/records.ts'
import type { RelayHandle } from '@hestia/relay-node'
import { recordRelay, type RelayRecorder } from '../../relay-node/test-support/relay-recorder.ts'
import type { TestPeer } from './support/messenger-harness.ts'
import {
  mailboxOnlyPair,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

const hex = (b64url: string) => Buffer.from(b64url, 'base64url').toString('hex')

async function contactIdOf(peer: TestPeer): Promise<string> {
  const list = (await peer.must({ type: 'conversations.list', query: null })).conversations
  return list[0]!.contact.contactId
}

async function inboundOf(peer: TestPeer): Promise<string> {
  return (await peer.store.getContact(await contactIdOf(peer)))!.inboundMailboxId!
}

async function outboundOf(peer: TestPeer): Promise<string> {
  const c = await peer.store.getContact(await contactIdOf(peer))
  return Buffer.from(decodeOutbound(c!.outboundMailbox)!.mailboxId).toString('base64url')
}

async function retiringOf(peer: TestPeer): Promise<number> {
  return ((await peer.store.getContact(await contactIdOf(peer)))!.retiringMailboxes ?? []).length
}

async function send(peer: TestPeer, conv: string, texts: string[]): Promise<void> {
  for (const text of texts) {
    await peer.must({ type: 'messages.send', conversationId: conv, text })
    // Messages sent within one millisecond sort by id, not by sending order.
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('mailbox rotation', () => {
  let relay: RelayHandle
  let recorder: RelayRecorder
  let ana: TestPeer
  let ben: TestPeer
  let convA: string
  let convB: string

  before(async () => {
    relay = await startTestRelay()
    recorder = recordRelay(relay)
    ;({ a: ana, b: ben, convA, convB } = await mailboxOnlyPair(relay.multiaddrs, ['ana', 'ben']))
    await send(ana, convA, ['a0'])
    await waitUntil('ben has a0', async () => (await ben.texts(convB)).includes('a0'))
  })

  after(async () => {
    recorder.stop()
    await ana.stop().catch(() => undefined)
    await ben.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    await rm(relay.dataDir, { recursive: true, force: true }).catch(() => undefined)
    releaseWebRTC()
  })

  test('rotated while the contact is offline: every message once, in order; old mailbox closed', async () => {
    const old = await inboundOf(ben)
    await ana.stop()
    const res = await ben.must({ type: 'contact.rotateMailbox', contactId: await contactIdOf(ben) })
    assert.equal(res.contact.displayName, 'ana')
    const fresh = await inboundOf(ben)
    assert.notEqual(fresh, old)
    await send(ben, convB, ['b1', 'b2', 'b3'])
    // Ben restarts while ana is away: the old mailbox is still read after the restart.
    await ben.stop()
    await ben.start()
    assert.equal(await retiringOf(ben), 1)
    await ana.start()
    // Sent at once, maybe before ana read the new address: some may land in the old mailbox.
    await send(ana, convA, ['a1', 'a2', 'a3'])
    await waitUntil('ana has b1..b3', async () => (await ana.texts(convA)).includes('b3'), 30_000)
    await waitUntil('ben has a1..a3', async () => (await ben.texts(convB)).includes('a3'), 30_000)
    await send(ana, convA, ['a4'])
    await waitUntil('ben has a4', async () => (await ben.texts(convB)).includes('a4'), 30_000)

    assert.deepEqual(await ana.texts(convA), ['a0', 'b1', 'b2', 'b3', 'a1', 'a2', 'a3', 'a4'])
    assert.deepEqual(
      (await ben.texts(convB)).filter((t) => t.startsWith('a')),
      ['a0', 'a1', 'a2', 'a3', 'a4'],
    )
    assert.equal(await outboundOf(ana), fresh, 'ana writes to the new mailbox')
    await waitUntil('ben closed the old mailbox', async () => (await retiringOf(ben)) === 0)
    const record = await recorder.record()
    const ops = record.requests.filter((r) => r.mailboxId === hex(old)).map((r) => r.op)
    assert.equal(ops.at(-1), 'close', `last request on the old mailbox: ${ops.join(',')}`)
    assert.ok(
      record.requests.some((r) => r.op === 'deposit' && r.mailboxId === hex(fresh)),
      'deposits reach the new mailbox',
    )
  })

  test('on schedule: the node rotates by itself, one interval after the last rotation', async () => {
    // The schedule is a week; the relay refuses requests signed with a clock a week ahead, so the
    // interval is shortened instead (same code path: MailboxRotation.maintain in the keeper).
    const intervalMs = 4_000
    await ben.stop()
    ben.rotation = { retireAfterSwitchMs: 200, intervalMs, jitterMs: 1, checkEveryMs: 500 }
    await ben.start()
    const id = await contactIdOf(ben)
    const last = (await ben.store.getContact(id))!
    await waitUntil(
      'ben rotated on schedule',
      async () => (await inboundOf(ben)) !== last.inboundMailboxId,
      20_000,
    )
    const now = (await ben.store.getContact(id))!
    assert.ok(
      now.mailboxSince! - last.mailboxSince! >= intervalMs,
      `rotated ${now.mailboxSince! - last.mailboxSince!} ms after the last rotation`,
    )
    await waitUntil(
      'ana learned the new mailbox',
      async () => (await outboundOf(ana)) === now.inboundMailboxId,
    )
    await send(ana, convA, ['a5'])
    await waitUntil('ben has a5', async () => (await ben.texts(convB)).includes('a5'), 30_000)
    assert.deepEqual(
      (await ben.texts(convB)).filter((t) => t === 'a5'),
      ['a5'],
    )
  })

  test('refusals change nothing: an unknown contact, a fourth rotation while three wait', async () => {
    // Back to the weekly schedule; a rotation the short schedule started finishes first.
    await ben.stop()
    ben.rotation = { retireAfterSwitchMs: 200 }
    await ben.start()
    await send(ana, convA, ['ping'])
    await waitUntil('no rotation pending', async () => (await retiringOf(ben)) === 0, 30_000)
    const id = await contactIdOf(ben)
    const current = await inboundOf(ben)
    const unknown = await ben.req({ type: 'contact.rotateMailbox', contactId: 'A'.repeat(22) })
    assert.ok(!unknown.ok)
    assert.equal(unknown.error.code, 'not_found')
    assert.equal(await inboundOf(ben), current)
    await ana.stop()
    for (let i = 0; i < 3; i++) await ben.must({ type: 'contact.rotateMailbox', contactId: id })
    const fourth = await ben.req({ type: 'contact.rotateMailbox', contactId: id })
    assert.ok(!fourth.ok)
    assert.equal(fourth.error.code, 'busy')
    assert.equal(await retiringOf(ben), 3)
    const last = await inboundOf(ben)
    await ana.start()
    await send(ana, convA, ['a6'])
    await waitUntil('ben has a6', async () => (await ben.texts(convB)).includes('a6'), 30_000)
    await waitUntil(
      'ana writes to the newest mailbox',
      async () => (await outboundOf(ana)) === last,
    )
    await waitUntil(
      'all three old mailboxes closed',
      async () => (await retiringOf(ben)) === 0,
      30_000,
    )
    assert.deepEqual(
      (await ben.texts(convB)).filter((t) => t === 'a6'),
      ['a6'],
    )
  })
})
