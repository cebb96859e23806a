/**
 * The new install's side of linking through the client API (issue 19, ADR 0110), served before
 * there is an identity: `devices.linkStart` builds a libp2p node with a fresh key, reserves a slot
 * on our first relay, and shows an offer; the primary dials it (primary-links.ts). The code shows
 * here as soon as the reveal is sent; the grant the primary signs after its user confirmed is
 * checked (acceptLinkGrant) and taken only when the user confirms here too (ADR 0110 step 6:
 * someone who saw the offer may have dialled first, with an identity of its own).
 *
 * Once the grant is taken the link node stops and the host adopts the install as a companion
 * (`adopt`: companion-identity.ts stores it, the service starts the messenger under the same
 * libp2p key, whose PeerId the certificate names); only then is the link `done` (ADR 0762).
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
import type { LinkGrantFields } from './link-codec.ts'
import { readSyncBook, type LinkedInstall } from './companion-identity.ts'
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
  /** Stores the linked install as a companion identity and starts it (service.ts). */
  adopt(linked: LinkedInstall): Promise<void>
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
  /** The grant as received (its signed prekeys become our prekey secrets). */
  grant: LinkGrantFields | null
}

export class NewDeviceLinks {
  readonly #deps: NewDeviceLinkDeps
  #current: Current | null = null
  /** The grant taken by the last completed link (stored as the companion identity). */
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
    // Kept: a taken grant certifies this key's PeerId, the companion messenger runs under it.
    const libp2pKey = await generateKeyPair('Ed25519')
    const node = await this.#deps.createNode(libp2pKey, [relay])
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
      grant: null,
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
          this.#takeGrant(current, () => {
            const accepted = acceptLinkGrant(grant, keys.request, platform.clock())
            readSyncBook(accepted) // a malformed address book refuses the grant here
            current.grant = grant
            return accepted
          }),
      },
      LINK_OFFER_LIFETIME_MS,
    ).then(
      () => this.#adopt(current, { keys, libp2pKey }),
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

  /** The grant was taken: the link node (same key) stops, the host adopts the companion. */
  async #adopt(current: Current, own: Pick<LinkedInstall, 'keys' | 'libp2pKey'>): Promise<void> {
    await current.node.stop().catch(() => undefined)
    try {
      const accepted = current.accepted!
      await this.#deps.adopt({ ...own, accepted, grant: current.grant! })
      this.linked = accepted
    } catch (err) {
      this.#deps.log('device link: storing this device as a companion failed', err)
      await this.#end(current, 'refused')
      return
    }
    this.#update(current, { state: 'done' })
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
