/**
 * A mailbox closed while the keeper is attaching to it (the transient `no_prekeys` seen in
 * hostile-invite.test.ts around an invite mailbox's close): the keeper pass had taken the watched
 * mailbox before `close()` unwatched it, then went on to create and subscribe it — the relay held
 * an empty mailbox again (no sealed invite: `no_prekeys` to a link reader instead of
 * `unknown_mailbox`, i.e. "closed"), watched by nobody. The close must win: the mailbox stays gone.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import type { RelayHandle } from '@hestia/relay-node'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { MailboxError, type MailboxClient } from '@hestia/core/mailbox/index.ts'
import type { MessengerContext } from '@hestia/core/messenger/context.ts'
import { MailboxManager } from '@hestia/core/messenger/mailbox-manager.ts'
import { openMemoryStore } from '@hestia/core/store/index.ts'
import { mailboxClientFor, startClientNode } from './relay-helpers.ts'
import { releaseWebRTC, startTestRelay } from './support/messenger-harness.ts'

let relay: RelayHandle
let node: Libp2p
let probeNode: Libp2p
let probe: MailboxClient

before(async () => {
  relay = await startTestRelay()
  node = await startClientNode()
  probeNode = await startClientNode()
  probe = mailboxClientFor(probeNode, relay.multiaddrs[0]!)
})

after(async () => {
  await probe?.close()
  await probeNode?.stop()
  await node?.stop()
  await relay?.stop().catch(() => undefined)
  releaseWebRTC()
})

/** A manager over `node` whose store's first read can be held (the keeper pass waits there). */
function manager(mailboxRoot: Uint8Array) {
  const store = openMemoryStore()
  let release: () => void = () => undefined
  const held = new Promise<void>((r) => (release = r))
  const state = { reached: false }
  const getRelayInstances = store.getRelayInstances.bind(store)
  store.getRelayInstances = () => {
    state.reached = true
    return held.then(() => getRelayInstances())
  }
  const ctx = {
    net: node,
    platform: systemPlatform,
    secrets: { mailboxRoot },
    store,
    log: () => undefined,
  } as unknown as MessengerContext
  return { mailboxes: new MailboxManager(ctx, () => Promise.resolve()), release, state }
}

async function relayAnswer(m: MailboxManager, mailboxId: string): Promise<string> {
  const { mailboxId: id, capability } = m.owned(mailboxId).credentials
  try {
    await probe.fetchPrekeys({ mailboxId: id, capability })
    return 'prekeys'
  } catch (err) {
    if (err instanceof MailboxError) return err.code
    throw err
  }
}

test('a close during the keeper’s attach leaves the mailbox closed at the relay', async () => {
  const root = systemPlatform.random(32)
  const home = relay.multiaddrs[0]!
  // Made (and holding its sealed invite) by an earlier run.
  const earlier = manager(root)
  earlier.release()
  const mailboxId = earlier.mailboxes.newMailboxId()
  await earlier.mailboxes.open(mailboxId, home, new Uint8Array([1, 2, 3]))
  assert.equal(await relayAnswer(earlier.mailboxes, mailboxId), 'prekeys')

  const { mailboxes, release, state } = manager(root)
  mailboxes.watch(mailboxId, home, { publishPrekeys: false })
  const pass = mailboxes.maintain(null)
  while (!state.reached) await new Promise((r) => setTimeout(r, 5))
  // The keeper pass holds the watched mailbox; the invite keeper closes it now.
  const closing = mailboxes.close(mailboxId, home)
  await new Promise((r) => setTimeout(r, 50))
  release()
  await closing
  await pass
  assert.equal(await relayAnswer(mailboxes, mailboxId), 'unknown_mailbox', 'closed, not re-created')
  assert.equal(mailboxes.serving(home).ready, true, 'nothing left watched')
  await mailboxes.stop()
  await earlier.mailboxes.stop()
})
