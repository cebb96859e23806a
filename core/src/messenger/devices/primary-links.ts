/**
 * The primary's side of linking a device through the client API (issue 19, ADR 0110):
 * `devices.linkAccept` dials the new device from the pasted or scanned offer and answers with the
 * code to compare; `devices.linkConfirm` / `devices.linkCancel` settle the user's decision. Only
 * after confirmation is anything signed; the new list is published (own-devices.ts) once the new
 * device took the grant. Every change of an attempt is a `device.link` event.
 */
import { ClientApiError, type DeviceLinkFailure, type DeviceLinkStatus } from '../../client/api.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { toBase64Url } from '../../crypto/bytes.ts'
import type { MessengerContext } from '../context.ts'
import { MESSENGER_TIMING } from '../limits.ts'
import { buildLinkGrant, checkRoomForDevice } from './link-grant.ts'
import { LinkError, linkNewDevice } from './link-stream.ts'
import { decodeLinkText } from './link-text.ts'
import { decodeLinkOffer } from './link-codec.ts'
import { checkRelayAddress } from '../../client/relay-address.ts'
import { LINK_OFFER_LIFETIME_MS, TOO_MANY_DEVICES_MESSAGE } from './limits.ts'
import type { VerifiedDeviceList } from './device-list.ts'
import type { LinkRequestFields } from './link-codec.ts'
import { currentOwnList, isPrimary } from './own-devices.ts'
import { holdOwnListLock } from './primary-keys.ts'
import { buildSyncBook } from './sync-book.ts'
import { deviceIdOf } from '../net.ts'
import type { OwnLink } from '../secrets.ts'

/** The words a failed link shows (DeviceLinkStatus.reason). */
export const LINK_FAILURE_TEXT: Record<DeviceLinkFailure, string> = {
  cancelled: 'You cancelled linking. Nothing was signed.',
  declined: 'The other device cancelled linking. Nothing was signed.',
  expired: 'The link expired. Start linking again on the new device.',
  unreachable:
    'The new device could not be reached through its relay. Check that both are online and try again.',
  device_limit: TOO_MANY_DEVICES_MESSAGE,
  refused: 'The other device broke off or answered wrongly. Nothing was linked.',
}

interface Attempt {
  status: DeviceLinkStatus
  /** Resolves the user's decision (true: the codes match). */
  decide: (confirmed: boolean) => void
}

export interface PrimaryLinkDeps {
  ctx: MessengerContext
  /** Our own-devices mailbox as a deposit address (own-channel.ts), handed to the new device. */
  ownRoute(): Promise<Uint8Array>
  /**
   * Keeps the own-device link with the new device, before the grant leaves: the new device
   * announces its mailbox as soon as it runs, which can be before the link ends here.
   */
  keepLink(link: OwnLink): Promise<void>
  /**
   * Publishes the list naming the new device (stores it, queues it to contacts, emits) and keeps
   * the own-device link with it.
   */
  linked(list: VerifiedDeviceList, link: OwnLink): Promise<void>
}

export class PrimaryLinks {
  readonly #deps: PrimaryLinkDeps
  readonly #attempts = new Map<string, Attempt>()

  constructor(deps: PrimaryLinkDeps) {
    this.#deps = deps
  }

  /** Dials the new device; resolves with the code to compare (state `compare`). */
  async accept(text: string): Promise<DeviceLinkStatus> {
    const { ctx } = this.#deps
    let offer: Uint8Array
    let relay: string
    try {
      offer = decodeLinkText(text)
      relay = decodeLinkOffer(offer).relay
    } catch (err) {
      if (isProtocolError(err)) throw new ClientApiError('link_invalid', err.message)
      throw err
    }
    // The offer names the relay we dial: a relay address like any other (the browser node's
    // gater then refuses special-purpose ranges, ADR 0306).
    const checked = checkRelayAddress(relay, { allowPlainTcp: true })
    if (!checked.ok)
      throw new ClientApiError('link_invalid', `the link's relay: ${checked.part}: ${checked.hint}`)
    const list = await currentOwnList(ctx)
    if (!isPrimary(ctx, list))
      throw new ClientApiError('invalid_state', 'only the primary device links devices')
    try {
      checkRoomForDevice(list)
    } catch {
      throw new ClientApiError('device_limit', TOO_MANY_DEVICES_MESSAGE)
    }
    const linkId = `lk-${toBase64Url(ctx.platform.random(12))}`
    const attempt = this.#begin(linkId)
    const codeShown = this.#run(attempt, offer)
    try {
      return await codeShown
    } catch (err) {
      this.#attempts.delete(attempt.status.linkId)
      if (isProtocolError(err, 'expired'))
        throw new ClientApiError('link_expired', 'the device link expired')
      if (isProtocolError(err)) throw new ClientApiError('link_invalid', err.message)
      throw new ClientApiError('peer_unreachable', `cannot reach the new device: ${String(err)}`)
    }
  }

  #begin(linkId: string): Attempt & { decision: Promise<boolean> } {
    let decide: (confirmed: boolean) => void = () => undefined
    const decision = new Promise<boolean>((ok) => (decide = ok))
    const attempt = {
      status: {
        linkId,
        side: 'existing',
        state: 'waiting',
        code: null,
        identity: null,
        deviceName: null,
        failure: null,
        reason: null,
      } satisfies DeviceLinkStatus as DeviceLinkStatus,
      decide: (confirmed: boolean) => decide(confirmed),
      decision,
    }
    this.#attempts.set(linkId, attempt)
    return attempt
  }

  /**
   * Runs the handshake in the background; the promise settles when the code is shown (or the
   * link failed before that). Completion and later failures arrive as `device.link` events.
   */
  #run(
    attempt: Attempt & { decision: Promise<boolean> },
    offer: Uint8Array,
  ): Promise<DeviceLinkStatus> {
    const { ctx } = this.#deps
    let shown!: (s: DeviceLinkStatus) => void
    let failedEarly!: (e: unknown) => void
    const codeShown = new Promise<DeviceLinkStatus>((ok, fail) => {
      shown = ok
      failedEarly = fail
    })
    let granted: VerifiedDeviceList | null = null
    // The address book and the own-device link go with the grant (ADR 0762); made now.
    const own = { key: ctx.platform.random(32), route: new Uint8Array(0) }
    const sync = this.#deps.ownRoute().then((route) => buildSyncBook(ctx, { ...own, route }))
    sync.catch(() => undefined)
    let newDevice: string | null = null
    // Taken when the grant is built, released once its list is published or the link failed: a
    // renewal or a companion's refresh meanwhile builds on ours, never beside it (ADR 0786).
    let release: (() => void) | null = null
    const hooks = {
      confirm: (code: string, request: LinkRequestFields) => {
        shown(this.#update(attempt, { state: 'compare', code, deviceName: request.name || null }))
        return attempt.decision
      },
      grant: async (request: LinkRequestFields) => {
        newDevice = deviceIdOf(request.peerId)
        await this.#deps.keepLink({ deviceId: newDevice, key: own.key })
        release = await holdOwnListLock(ctx)
        // The list as it is now, not as it was at accept: the user may have compared codes while
        // a key renewal published a newer one.
        const current = await currentOwnList(ctx)
        const made = buildLinkGrant({
          sync: await sync,
          identity: ctx.local.identity,
          request,
          currentList: current,
          now: ctx.platform.clock(),
          certLifetimeMs: MESSENGER_TIMING.deviceCertLifetimeMs,
          prekeyLifetimeMs: MESSENGER_TIMING.prekeyLifetimeMs,
        })
        granted = made.list
        return made.grant
      },
    }
    linkNewDevice(ctx.net, offer, ctx.platform, hooks, LINK_OFFER_LIFETIME_MS)
      .then(
        async () => {
          if (granted === null || newDevice === null)
            throw new Error('link completed without a grant')
          await this.#deps.linked(granted, { deviceId: newDevice, key: own.key })
          this.#update(attempt, { state: 'done' })
        },
        (err: unknown) => {
          const beforeCode = attempt.status.state === 'waiting'
          const failure = failureOf(err, beforeCode)
          if (beforeCode) failedEarly(err)
          if (attempt.status.state !== 'failed')
            this.#update(attempt, { state: 'failed', failure, reason: LINK_FAILURE_TEXT[failure] })
          ctx.log(`device link ${attempt.status.linkId} failed`, err)
        },
      )
      .catch((err: unknown) => {
        const failure = 'refused'
        this.#update(attempt, { state: 'failed', failure, reason: LINK_FAILURE_TEXT[failure] })
        ctx.log('device link: publishing the new list failed', err)
      })
      .finally(() => release?.())
    return codeShown
  }

  /** The user saw the same code on both screens: the grant is signed and sent. */
  confirm(linkId: string): DeviceLinkStatus {
    const attempt = this.#live(linkId)
    const status = this.#update(attempt, { state: 'confirmed' })
    attempt.decide(true)
    return status
  }

  cancel(linkId: string): DeviceLinkStatus {
    const attempt = this.#live(linkId)
    const status = this.#update(attempt, {
      state: 'failed',
      failure: 'cancelled',
      reason: LINK_FAILURE_TEXT.cancelled,
    })
    attempt.decide(false)
    return status
  }

  #live(linkId: string): Attempt {
    const attempt = this.#attempts.get(linkId)
    if (attempt === undefined) throw new ClientApiError('not_found', `no link ${linkId}`)
    if (attempt.status.state !== 'compare')
      throw new ClientApiError('invalid_state', `the link is ${attempt.status.state}`)
    return attempt
  }

  #update(attempt: Attempt, patch: Partial<DeviceLinkStatus>): DeviceLinkStatus {
    attempt.status = { ...attempt.status, ...patch }
    this.#deps.ctx.emit({ type: 'device.link', link: attempt.status })
    return attempt.status
  }
}

function failureOf(err: unknown, beforeCode: boolean): DeviceLinkFailure {
  if (err instanceof LinkError) {
    if (err.code === 'declined') return 'cancelled'
    if (err.code === 'timeout') return beforeCode ? 'unreachable' : 'expired'
    return 'refused'
  }
  if (isProtocolError(err, 'expired')) return 'expired'
  if (isProtocolError(err, 'limit_exceeded')) return 'device_limit'
  if (isProtocolError(err)) return 'refused'
  return beforeCode ? 'unreachable' : 'refused'
}
