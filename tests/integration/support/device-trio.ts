/**
 * Ada on two devices and her contact Ben, with real messengers over one loopback relay (issue 19):
 * A1 creates the identity, Ben accepts her invite, A2 is linked to A1 through the client API
 * (linkStart / linkAccept / both confirm). Ready once Ben holds Ada's list of two devices and a
 * route to A2 (its Hello), so a payload to Ada reaches both devices. Each peer stores files.
 */
import { rm } from 'node:fs/promises'
import { after, before } from 'node:test'
import type { RelayHandle } from '@hestia/relay-node'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import type { CryptoPlatform } from '@hestia/core/crypto/platform.ts'
import { heldContactList } from '@hestia/core/messenger/devices/contact-list.ts'
import { NodeFileStorage, nodeSha256, tempDir } from './files-storage.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './messenger-harness.ts'

export interface DeviceTrio {
  relay: RelayHandle
  a1: TestPeer
  a2: TestPeer
  ben: TestPeer
  storage: Map<TestPeer, NodeFileStorage>
  /** Each side's conversation between Ada and Ben. */
  conv: Map<TestPeer, string>
  stop(): Promise<void>
}

function withFiles(peer: TestPeer, storage: Map<TestPeer, NodeFileStorage>): void {
  const s = new NodeFileStorage(tempDir(`hestia-trio-${peer.name}-`))
  peer.files = { storage: s, sha256: nodeSha256, tuning: { progressEveryMs: 0 } }
  storage.set(peer, s)
}

/**
 * `platform`: one injected clock for the three and the relay (tests that move time; the relay
 * refuses requests more than 5 minutes off, and keeps idle mailboxes for 120 days then).
 */
export async function startDeviceTrio(platform?: CryptoPlatform): Promise<DeviceTrio> {
  const relay =
    platform === undefined
      ? await startTestRelay()
      : await startTestRelay(undefined, 0, { mailboxIdleTtlMs: 120 * DAY_MS }, platform.clock)
  const storage = new Map<TestPeer, NodeFileStorage>()
  const a1 = new TestPeer('ada', relay.multiaddrs)
  const ben = new TestPeer('ben', relay.multiaddrs)
  const a2 = new TestPeer('ada-laptop', relay.multiaddrs)
  for (const p of [a1, ben, a2]) withFiles(p, storage)
  if (platform !== undefined) for (const p of [a1, ben, a2]) p.platform = platform
  const stop = async () => {
    for (const p of [a2, ben, a1]) await p.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    for (const s of storage.values()) await rm(s.dir, { recursive: true, force: true })
  }
  try {
    await a1.start()
    await ben.start()
    const { convA, convB } = await connectPeers(a1, ben)
    await a2.start()
    const offer = await a2.must({ type: 'devices.linkStart', deviceName: 'Laptop' })
    const onA1 = await a1.must({ type: 'devices.linkAccept', link: offer.link })
    await waitUntil('A2 shows the code', () =>
      a2.events.some((e) => e.type === 'device.link' && e.link.state === 'compare'),
    )
    await a2.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
    await a1.must({ type: 'devices.linkConfirm', linkId: onA1.linkId })
    await waitUntil(
      'A2 holds the identity',
      async () => (await a2.must({ type: 'identity.status' })).state === 'ready',
      30_000,
    )
    const adaOnBen = (await ben.store.getConversation(convB))!.contactId
    const laptop = a2.service.node!.peerId.toString()
    await waitUntil(
      'Ben holds Ada’s list of two devices and a route to the laptop',
      async () => {
        const contact = await ben.store.getContact(adaOnBen)
        const listed = contact && heldContactList(contact)?.devices.length
        return listed === 2 && (await ben.store.getDevice(adaOnBen, laptop))?.route !== undefined
      },
      30_000,
    )
    let convA2 = ''
    await waitUntil('A2 lists the conversation with Ben', async () => {
      const list = await a2.must({ type: 'conversations.list', query: null })
      convA2 = list.conversations[0]?.conversationId ?? ''
      return convA2 !== ''
    })
    const conv = new Map([
      [a1, convA],
      [ben, convB],
      [a2, convA2],
    ])
    return { relay, a1, a2, ben, storage, conv, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/**
 * The trio of one describe block: started in a `before` hook it registers, stopped (and WebRTC
 * released) in an `after` hook. Its fields are read in tests and later hooks, not at the top of
 * the describe (they throw before the start). `platform` as for startDeviceTrio.
 */
export function useDeviceTrio(platform?: CryptoPlatform): DeviceTrio {
  let started: DeviceTrio | undefined
  const get = (): DeviceTrio => {
    if (started === undefined) throw new Error('the device trio starts in the before hook')
    return started
  }
  before(async () => {
    started = await startDeviceTrio(platform)
  })
  after(async () => {
    await started?.stop()
    releaseWebRTC()
  })
  return {
    get relay() {
      return get().relay
    },
    get a1() {
      return get().a1
    },
    get a2() {
      return get().a2
    },
    get ben() {
      return get().ben
    },
    get storage() {
      return get().storage
    },
    get conv() {
      return get().conv
    },
    stop: () => get().stop(),
  }
}
