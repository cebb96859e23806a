/**
 * The new install's side of linking through the client API (issue 19, ADR 0110), served before
 * there is an identity: `devices.linkStart` builds a libp2p node with a fresh key, reserves a slot
 * on our first relay, and shows an offer; the primary dials it (primary-links.ts). The code shows
 * here as soon as the reveal is sent; the grant the primary signs after its user confirmed is
 * checked (acceptLinkGrant) and taken only when the user confirms here too (ADR 0110 step 6:
 * someone who saw the offer may have dialled first, with an identity of its own).
 *
 * What is NOT built yet (docs/protocol/devices.md "Status"): running this install as a companion
 * messenger. After `done` the accepted grant (certificate, prekeys, list, address book) is kept in
 * memory only and no identity is stored; the node is stopped.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import {
  ClientApiError,
  type ClientEvent,
  type DeviceLinkFailure,
  type DeviceLinkOffer,
  type DeviceLinkStatus,
} from '../../client/api.ts'
import { toBase64Url } from '../../crypto/bytes.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { identityFingerprint } from '../identity.ts'
import { peerIdBytes, type MessengerNet } from '../net.ts'
import { createCompanionKeys } from './companion.ts'
import { acceptLinkGrant, type AcceptedGrant } from './link-grant.ts'
import { LinkError, awaitLink } from './link-stream.ts'
import { encodeLinkText } from './link-text.ts'
import { NewDeviceLink } from './link.ts'
import { DEVICE_ROLE, LINK_OFFER_LIFETIME_MS } from './limits.ts'
import { LINK_FAILURE_TEXT } from './primary-links.ts'

/** How long the new node may take to hold a reservation on the relay. */
const RESERVATION_WAIT_MS = 10_000

export interface LinkingNode extends MessengerNet {
  start(): Promise<void>
  stop(): Promise<void>
  getMultiaddrs(): { toString(): string }[]
}

export interface NewDeviceLinkDeps {
  platform: CryptoPlatform
  emit(event: ClientEvent): void
  /** Whether this install already has an identity (then linking is refused). */
  hasIdentity(): Promise<boolean>
  /** Our relays: the first one carries the offer. */
  relays(): Promise<string[]>
  /** Builds (not starts) a node with `key`, listening on `/p2p-circuit`. */
  createNode(key: PrivateKey, relays: string[]): Promise<LinkingNode>
  log(message: string, err?: unknown): void
}

interface Current {
  status: DeviceLinkStatus
  node: LinkingNode
  /** The user confirmed the code here. */
  confirmedHere: boolean
  /** Resolves the grant check once the user decided (after the grant arrived). */
  decide: ((taken: boolean) => void) | null
  accepted: AcceptedGrant | null
}

export class NewDeviceLinks {
  readonly #deps: NewDeviceLinkDeps
  #current: Current | null = null
  /** The grant taken by the last completed link (companion runtime not built: memory only). */
  linked: AcceptedGrant | null = null

  constructor(deps: NewDeviceLinkDeps) {
    this.#deps = deps
  }

  async start(deviceName: string): Promise<DeviceLinkOffer> {
    const { platform } = this.#deps
    if (await this.#deps.hasIdentity())
      throw new ClientApiError('identity_exists', 'this install already has an identity')
    if (this.#current !== null) await this.#end(this.#current, 'cancelled')
    const relay = (await this.#deps.relays())[0]
    if (relay === undefined) throw new ClientApiError('invalid_state', 'no relay to link through')
    const node = await this.#deps.createNode(await generateKeyPair('Ed25519'), [relay])
    await node.start()
    try {
      await node.dial(multiaddr(relay))
      await reserved(node)
    } catch (err) {
      await node.stop().catch(() => undefined)
      throw new ClientApiError('peer_unreachable', `no reservation on ${relay}: ${String(err)}`)
    }
    const peerId = peerIdBytes(node.peerId)
    const link = new NewDeviceLink({ platform, peerId, relay })
    const keys = createCompanionKeys(platform.random, peerId, deviceName)
    const current: Current = {
      status: {
        linkId: `nl-${toBase64Url(platform.random(12))}`,
        side: 'new',
        state: 'waiting',
        code: null,
        identity: null,
        deviceName,
        failure: null,
        reason: null,
      },
      node,
      confirmedHere: false,
      decide: null,
      accepted: null,
    }
    this.#current = current
    this.#emit(current)
    awaitLink(
      node,
      link,
      keys.request,
      {
        showCode: (code) => this.#update(current, { state: 'compare', code }),
        takeGrant: (grant) =>
          this.#takeGrant(current, () => acceptLinkGrant(grant, keys.request, platform.clock())),
      },
      LINK_OFFER_LIFETIME_MS,
    ).then(
      async () => {
        this.linked = current.accepted
        this.#update(current, { state: 'done' })
        await node.stop().catch(() => undefined)
      },
      async (err: unknown) => {
        this.#deps.log('device link (new device) failed', err)
        await this.#end(current, failureOf(err))
      },
    )
    const text = encodeLinkText(link.offer)
    return {
      linkId: current.status.linkId,
      link: text,
      qrPayload: text,
      expiresAt: platform.clock() + LINK_OFFER_LIFETIME_MS,
    }
  }

  /** The grant arrived: checked now, taken once the user confirmed the code here. */
  #takeGrant(current: Current, check: () => AcceptedGrant): Promise<boolean> {
    const accepted = check()
    current.accepted = accepted
    const primary = accepted.list.devices.find((d) => d.role === DEVICE_ROLE.primary)
    this.#update(current, {
      identity: {
        displayName: primary?.name ?? 'Primary device',
        fingerprint: identityFingerprint(accepted.identityKey),
      },
    })
    if (current.confirmedHere) return Promise.resolve(true)
    return new Promise<boolean>((decide) => (current.decide = decide))
  }

  confirm(linkId: string): DeviceLinkStatus {
    const current = this.#live(linkId)
    if (current.status.state !== 'compare')
      throw new ClientApiError('invalid_state', `the link is ${current.status.state}`)
    current.confirmedHere = true
    const status = this.#update(current, { state: 'confirmed' })
    current.decide?.(true)
    return status
  }

  async cancel(linkId: string): Promise<DeviceLinkStatus> {
    const current = this.#live(linkId)
    current.decide?.(false)
    return this.#end(current, 'cancelled')
  }

  /** Whether `linkId` is this install's own attempt. */
  owns(linkId: string): boolean {
    return this.#current !== null && this.#current.status.linkId === linkId
  }

  #live(linkId: string): Current {
    const current = this.#current
    if (current === null || current.status.linkId !== linkId)
      throw new ClientApiError('not_found', `no link ${linkId}`)
    if (current.status.state === 'done' || current.status.state === 'failed')
      throw new ClientApiError('invalid_state', `the link is ${current.status.state}`)
    return current
  }

  async #end(current: Current, failure: DeviceLinkFailure): Promise<DeviceLinkStatus> {
    const status =
      current.status.state === 'failed' || current.status.state === 'done'
        ? current.status
        : this.#update(current, { state: 'failed', failure, reason: LINK_FAILURE_TEXT[failure] })
    if (this.#current === current) this.#current = null
    await current.node.stop().catch(() => undefined)
    return status
  }

  #update(current: Current, patch: Partial<DeviceLinkStatus>): DeviceLinkStatus {
    current.status = { ...current.status, ...patch }
    this.#emit(current)
    return current.status
  }

  #emit(current: Current): void {
    this.#deps.emit({ type: 'device.link', link: current.status })
  }
}

async function reserved(node: LinkingNode): Promise<void> {
  const until = Date.now() + RESERVATION_WAIT_MS
  while (!node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))) {
    if (Date.now() > until) throw new Error('no circuit reservation in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

function failureOf(err: unknown): DeviceLinkFailure {
  if (err instanceof LinkError) {
    if (err.code === 'declined') return 'declined'
    if (err.code === 'timeout') return 'expired'
    return 'cancelled'
  }
  if (isProtocolError(err, 'expired')) return 'expired'
  return 'refused'
}
