// A second link attempt to the same new device (codes declined and tried again, a failed link
// retried) runs on a circuit of its own (issue 21, ADR 0462). libp2p used to hand the retry the
// relayed connection still open from the first attempt, whose relay limits (here 4 s, in a real
// relay 2 min / 256 KiB) ran from that attempt: the relay cut the retry mid-link ("Cannot write to
// a stream that is closed"). Here attempt 2 starts 2.5 s after attempt 1 and its user takes 2 s to
// compare the codes, so it outlives attempt 1's circuit; it completes, and each attempt's
// connection is closed when its link ends.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { startLinkNodes } from './support/device-mailboxes.ts'
import { startLoopbackRelay, type TestRelay } from './support/loopback-relay.ts'
import { systemPlatform as p } from '../../core/src/crypto/platform.ts'
import { peerIdBytes } from '../../core/src/messenger/net.ts'
import { acceptLinkGrant } from '../../core/src/messenger/devices/link-grant.ts'
import { awaitLink, linkNewDevice } from '../../core/src/messenger/devices/link-stream.ts'
import { newDeviceLinkAttempt, testLinkGrant } from '../../core/test-support/device-fixtures.ts'

const RELAYED_MS = 4_000
let relay: TestRelay
let relayAddr: string
let existing: Libp2p
let fresh: Libp2p

before(async () => {
  relay = await startLoopbackRelay({ relay: { relayedDurationLimitMs: RELAYED_MS } })
  relayAddr = relay.multiaddrs[0]!
  ;({ existing, fresh } = await startLinkNodes(relayAddr))
})

after(async () => {
  await existing?.stop()
  await fresh?.stop()
  await relay?.stop()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One link from `existing` to `fresh`; the user on `existing` confirms after `confirmMs`. */
async function linkOnce(confirmMs: number): Promise<boolean> {
  const {
    owner: alice,
    list,
    keys,
    link,
  } = newDeviceLinkAttempt(p, peerIdBytes(fresh.peerId), relayAddr, 'Firefox on the laptop')
  let code: string | undefined
  let taken = false
  const onNew = awaitLink(
    fresh,
    link,
    keys.request,
    {
      showCode: (c) => (code = c),
      takeGrant: (g) => {
        taken = acceptLinkGrant(g, keys.request, p.clock()) !== undefined
        return Promise.resolve(taken)
      },
    },
    20_000,
  )
  onNew.catch(() => undefined)
  await linkNewDevice(
    existing,
    link.offer,
    p,
    {
      confirm: async (c) => {
        await sleep(confirmMs)
        return c === code
      },
      grant: (request) =>
        testLinkGrant(p, { identity: alice.identity, request, currentList: list }).grant,
    },
    20_000,
  )
  await onNew
  // The link closed its own connection when it ended (not left to the relay's limit).
  assert.deepEqual(
    existing.getConnections(fresh.peerId).map((c) => c.status),
    [],
    'no connection left open towards the new device',
  )
  return taken
}

test('a second link to the same device, outliving the first circuit, is not cut by the relay', async () => {
  assert.equal(await linkOnce(0), true, 'attempt 1 linked')
  await sleep(RELAYED_MS - 1_500)
  assert.equal(await linkOnce(2_000), true, "attempt 2 linked past attempt 1's relay limit")
  assert.equal(await linkOnce(0), true, 'attempt 3 linked')
})
