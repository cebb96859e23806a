/**
 * A third device of Ada's for the device trio (issue 19): a tablet linked to the primary through
 * the client API, as the laptop was. Ready once it runs as a companion, the primary knows where it
 * reads (its own-devices mailbox announced) and Ben holds a route to it (its Hello), so a new key
 * of Ben's can write to it as to the others.
 */
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { verifyPrekeyBundle } from '@hestia/core/crypto/prekeys.ts'
import { decodeOutbound, decodeSecrets } from '@hestia/core/messenger/index.ts'
import { loadLocalIdentity, prekeyBundle } from '@hestia/core/messenger/identity.ts'
import type { DeviceTrio } from './device-trio.ts'
import type { Target } from './hostile-client.ts'
import { TestPeer, waitUntil } from './messenger-harness.ts'

/** Links a new device named `name` to the trio's primary; the caller stops it. */
export async function linkTablet(trio: DeviceTrio, name = 'Tablet'): Promise<TestPeer> {
  const { a1, ben } = trio
  const a3 = await new TestPeer('ada-tablet', trio.relay.multiaddrs).start()
  const offer = await a3.must({ type: 'devices.linkStart', deviceName: name })
  const onA1 = await a1.must({ type: 'devices.linkAccept', link: offer.link })
  await waitUntil('the tablet shows its code', () =>
    a3.events.some((e) => e.type === 'device.link' && e.link.state === 'compare'),
  )
  await a3.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
  await a1.must({ type: 'devices.linkConfirm', linkId: onA1.linkId })
  await waitUntil('the tablet runs', () => a3.service.messenger !== null, 30_000)
  const tablet = a3.service.node!.peerId.toString()
  const adaOnBen = (await ben.store.getConversation(trio.conv.get(ben)!))!.contactId
  await waitUntil(
    'Ben holds a route for the tablet',
    async () => (await ben.store.getDevice(adaOnBen, tablet))?.route !== undefined,
    30_000,
  )
  await waitUntil('the primary knows where the tablet reads', async () =>
    (decodeSecrets((await a1.store.getIdentity())!.secretKeys).ownLinks ?? []).some(
      (l) => l.deviceId === tablet && l.route !== undefined,
    ),
  )
  return a3
}

/** Where Ben deposits for `device` (a companion of Ada's) and its bundle, as a hostile Target. */
export async function companionTarget(trio: DeviceTrio, device: TestPeer): Promise<Target> {
  const adaOnBen = (await trio.ben.store.getConversation(trio.conv.get(trio.ben)!))!.contactId
  const id = device.service.node!.peerId.toString()
  const route = (await trio.ben.store.getDevice(adaOnBen, id))!.route!
  const { local, secrets } = loadLocalIdentity((await device.store.getIdentity())!, p)
  const bundle = verifyPrekeyBundle(prekeyBundle(local, secrets), { now: p.clock() })
  return { deposit: decodeOutbound(route)!, bundle }
}
