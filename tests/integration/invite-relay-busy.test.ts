/**
 * A relay that is up but refuses to open another mailbox for now (its per-address creation budget
 * is spent, as when a crowd behind one address makes invites, or a stranger floods it) is not
 * "unreachable": Add contact says the relay is busy and for how long, keeps no half-made invite, and
 * works once the budget refills. Found in CI: the messenger called every refusal "your relay is not
 * reachable", which sends the user to check a connection that works.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import {
  MailboxError,
  newMailboxCredentials,
  type MailboxClient,
} from '@hestia/core/mailbox/index.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { systemPlatform, type CryptoPlatform } from '@hestia/core/crypto/platform.ts'
import type { RelayHandle } from '@hestia/relay-node'
import { mailboxClientFor, startClientNode } from './relay-helpers.ts'
import { TestPeer, releaseWebRTC, startTestRelay } from './support/messenger-harness.ts'

/** One clock for the relay and the messenger; the test moves it to refill the budget. */
const clock = { offset: 0, now: () => Date.now() + clock.offset }
const platform: CryptoPlatform = { ...systemPlatform, clock: () => clock.now() }

describe('invite while the relay refuses new mailboxes', () => {
  let relay: RelayHandle
  let strangerNode: Libp2p
  let stranger: MailboxClient
  let alice: TestPeer

  before(async () => {
    // One address's own creation budget (not the crowd's the harness gives 127.0.0.1).
    relay = await startTestRelay(
      undefined,
      0,
      { rate: { createPerIp: { perSecond: 1, burst: 20 } } },
      () => clock.now(),
    )
    alice = new TestPeer('alice', relay.multiaddrs)
    alice.direct = false
    alice.platform = platform
    await alice.start()
    await alice.must({ type: 'identity.create', displayName: 'alice' })
    strangerNode = await startClientNode()
    stranger = mailboxClientFor(strangerNode, relay.multiaddrs[0]!, { now: () => clock.now() })
  })

  after(async () => {
    await alice.stop().catch(() => undefined)
    await stranger.close()
    await strangerNode.stop()
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test('Add contact says the relay is busy and for how long, keeps nothing, and works after the wait', async () => {
    // A stranger on the same address spends the creation budget.
    let refused: MailboxError | undefined
    for (let i = 0; i < 100 && refused === undefined; i++) {
      try {
        await stranger.create(newMailboxCredentials())
      } catch (err) {
        if (!(err instanceof MailboxError)) throw err
        refused = err
      }
    }
    assert.equal(refused?.code, 'rate_limited', 'the stranger spent the budget')

    const res = await alice.req({ type: 'invite.mine' })
    assert.ok(!res.ok, 'no invite while the relay refuses new mailboxes')
    // Its own code with the wait, not "unreachable" (the relay answered) nor "starting up".
    assert.equal(res.error.code, 'relay_busy')
    const wait = res.error.retryAfterSeconds
    assert.ok(wait !== undefined && Number.isInteger(wait) && wait >= 1 && wait <= 60, `${wait}`)
    const secrets = decodeSecrets((await alice.store.getIdentity())!.secretKeys)
    assert.deepEqual(
      secrets.invites.filter((i) => i.withdrawn !== true),
      [],
      'no half-made invite is kept',
    )

    // A minute later the budget has refilled: the same button gives a link.
    clock.offset += 60_000
    const invite = await alice.must({ type: 'invite.mine' })
    assert.match(invite.link, /^hestia:|^https?:/)
  })
})
