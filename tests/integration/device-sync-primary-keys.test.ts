/**
 * The primary's own keys renewed while it runs (issue 19, ADR 0786), with real messengers over a
 * real relay and one injected clock for Ada's two devices, Ben and the relay: 45 days on (the
 * primary's prekeys, 60 days from its start, are then due), without a restart and without any
 * call from the test, the primary renews its prekeys, publishes a list whose entry for it carries
 * them, Ben holds that list — so a first message to the primary finds valid prekeys — and an
 * invite made now hands them out. Messages still go both ways.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import { PREKEY_KIND } from '@hestia/core/crypto/prekeys.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'
import {
  PREKEYS_DUE_MS,
  primaryExpiry,
  startRenewalTrio,
  type RenewalTrio,
} from './support/renewal-trio.ts'

describe('the primary’s own keys are renewed while it runs', () => {
  let trio: RenewalTrio
  let a1: TestPeer

  before(async () => {
    trio = await startRenewalTrio()
    a1 = trio.a1
  })

  after(async () => {
    await trio?.stop()
    releaseWebRTC()
  })

  const newestSigned = async (peer: TestPeer) =>
    Math.max(
      ...decodeSecrets((await peer.store.getIdentity())!.secretKeys)
        .prekeys.filter((k) => k.kind === PREKEY_KIND.signedX25519)
        .map((k) => k.expiresAt),
    )

  test('45 days on, the primary renews its prekeys and Ben holds its renewed entry', async () => {
    const oldExpiry = primaryExpiry(await trio.ownList())
    assert.equal(await newestSigned(a1), oldExpiry, 'the list names the prekeys it holds')
    trio.advance(PREKEYS_DUE_MS)
    await waitUntil('the primary renewed its prekeys', async () => {
      return (await newestSigned(a1)) > oldExpiry + 40 * DAY_MS
    })
    await waitUntil('the primary published its renewed entry', async () => {
      return primaryExpiry(await trio.ownList()) > oldExpiry + 40 * DAY_MS
    })
    await waitUntil(
      'Ben holds the list with the primary’s renewed prekeys',
      async () => {
        const held = await trio.heldByBen()
        return held !== undefined && primaryExpiry(held) > trio.platform.clock() + 30 * DAY_MS
      },
      30_000,
    )
    const secrets = decodeSecrets((await a1.store.getIdentity())!.secretKeys)
    assert.ok(
      secrets.prekeys.some((k) => k.expiresAt === oldExpiry),
      'the old prekeys kept until they expire',
    )
  })

  test('an invite made now carries the renewed prekeys; messages still go both ways', async () => {
    const invite = await a1.must({ type: 'invite.mine' })
    assert.ok(invite.link.length > 0)
    const fresh = await newestSigned(a1)
    assert.ok(
      fresh > trio.platform.clock() + 30 * DAY_MS,
      'the prekeys handed out are far from expiry',
    )
    const { message } = await trio.ben.must({
      type: 'messages.send',
      conversationId: trio.conv.get(trio.ben)!,
      text: 'after the renewal',
    })
    await waitUntil(
      'Ada’s primary shows Ben’s message',
      async () =>
        (await a1.history(trio.conv.get(a1)!)).some((m) => m.messageId === message.messageId),
      30_000,
    )
  })
})
