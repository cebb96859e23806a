// This identity's devices as the popup sees them (issue 19): the list, one link attempt at a
// time (this device being linked, or this primary linking another), and whether this device was
// removed. Kept current by `devices.changed`, `device.link` and `device.removed`; screens only
// read it and call the methods below, so each screen can be rendered from a state a test drove.
import type {
  ClientErrorBody,
  DeviceId,
  DeviceInfo,
  DeviceLinkOffer,
  DeviceLinkStatus,
  DevicesView,
  HistoryTransfer,
  MessengerClient,
} from '@hestia/core/client/api.ts'
import { DEVICE_API_LIMITS } from '@hestia/core/client/api.ts'
import { call, errorBody, errorText } from './client-call.ts'
import type { Loadable } from './app-state.ts'
import { overLimitText } from './limits.ts'
import { Box } from './reactive-box.ts'

/** How far a link attempt has come: an event never moves it back (answers and events race). */
const STEP: Record<DeviceLinkStatus['state'], number> = {
  waiting: 0,
  compare: 1,
  confirmed: 2,
  done: 3,
  failed: 3,
}

/** What a contact invite starts with: pasted here by mistake, it gets its own sentence. */
const INVITE_PREFIX = 'hestia:i/'

export const NOT_A_LINK_BUT_INVITE =
  'This is a contact invite, not a device link. Add contacts with "Add a contact"; to link a browser, scan or copy the link that browser shows under "Link to an existing identity".'

/**
 * A sentence for text that cannot be a device link before it is sent, or null to let the node
 * judge it (the node refuses everything else with `link_invalid`).
 */
export function pastedLinkProblem(text: string): string | null {
  const trimmed = text.trim()
  // A scanned invite QR code is upper case (alphanumeric mode): either case is an invite.
  if (trimmed.toLowerCase().startsWith(INVITE_PREFIX)) return NOT_A_LINK_BUT_INVITE
  return overLimitText(trimmed.length, DEVICE_API_LIMITS.linkTextMaxChars, 'A device link')
}

export class DevicesState {
  readonly client: MessengerClient
  readonly #view = new Box<Loadable<DevicesView>>({ status: 'loading' })
  get view(): Loadable<DevicesView> {
    return this.#view.value
  }
  set view(value: Loadable<DevicesView>) {
    this.#view.value = value
  }
  /** The link attempt on this device, or null when none is open. */
  readonly #link = new Box<DeviceLinkStatus | null>(null)
  get link(): DeviceLinkStatus | null {
    return this.#link.value
  }
  set link(value: DeviceLinkStatus | null) {
    this.#link.value = value
  }
  /** New device: the offer it shows (QR code and link) while `link` waits. */
  readonly #offer = new Box<DeviceLinkOffer | null>(null)
  get offer(): DeviceLinkOffer | null {
    return this.#offer.value
  }
  set offer(value: DeviceLinkOffer | null) {
    this.#offer.value = value
  }
  /** When another device removed this one (it erased itself), else null. */
  readonly #removedAt = new Box<number | null>(null)
  get removedAt(): number | null {
    return this.#removedAt.value
  }
  set removedAt(value: number | null) {
    this.#removedAt.value = value
  }

  /** History coming in from another device of ours (ADR 0790), the latest step; null: none. */
  readonly #historyIn = new Box<HistoryTransfer | null>(null)
  get historyIn(): HistoryTransfer | null {
    return this.#historyIn.value
  }

  constructor(client: MessengerClient) {
    this.client = client
  }

  /** Follows the device events; returns the stop function. Does not load the list (Settings does). */
  start(): () => void {
    return this.client.subscribe((event) => {
      if (event.type === 'devices.changed') this.view = { status: 'ready', value: event.devices }
      else if (event.type === 'device.link') this.#follow(event.link)
      else if (event.type === 'device.history' && event.transfer.direction === 'in')
        this.#historyIn.value = event.transfer
      else if (event.type === 'device.removed') {
        this.removedAt = event.at
        this.link = null
        this.offer = null
        this.view = { status: 'loading' }
      }
    })
  }

  /** Takes a link status unless it is older than what is shown, or of another attempt. */
  #follow(status: DeviceLinkStatus): void {
    const shown = this.link
    const attempt = this.offer?.linkId ?? shown?.linkId
    if (attempt === undefined || status.linkId !== attempt) return
    if (shown !== null && shown.linkId === status.linkId && STEP[status.state] < STEP[shown.state])
      return
    this.link = status
    // The primary's list has the new device now (devices.changed follows; asking costs little).
    if (status.state === 'done' && status.side === 'existing') void this.load()
  }

  async load(): Promise<void> {
    if (this.view.status !== 'ready') this.view = { status: 'loading' }
    try {
      this.view = { status: 'ready', value: await call(this.client, { type: 'devices.list' }) }
    } catch (error) {
      this.view = { status: 'error', error: errorBody(error) }
    }
  }

  /** Runs a request that answers the new list; returns the error, if any (nothing changed). */
  async #change(work: () => Promise<DevicesView>): Promise<ClientErrorBody | null> {
    try {
      this.view = { status: 'ready', value: await work() }
      return null
    } catch (error) {
      return errorBody(error)
    }
  }

  rename(deviceId: DeviceId, name: string): Promise<ClientErrorBody | null> {
    return this.#change(() => call(this.client, { type: 'devices.rename', deviceId, name }))
  }
  remove(deviceId: DeviceId): Promise<ClientErrorBody | null> {
    return this.#change(() => call(this.client, { type: 'devices.remove', deviceId }))
  }
  logoutOthers(): Promise<ClientErrorBody | null> {
    return this.#change(() => call(this.client, { type: 'devices.logoutOthers' }))
  }

  /** New install: asks for an offer to show. Returns the error, if any. */
  async startLink(deviceName: string): Promise<ClientErrorBody | null> {
    this.link = null
    this.offer = null
    try {
      const offer = await call(this.client, { type: 'devices.linkStart', deviceName })
      this.offer = offer
      this.#follow({
        linkId: offer.linkId,
        side: 'new',
        state: 'waiting',
        code: null,
        identity: null,
        deviceName,
        failure: null,
        reason: null,
      })
      return null
    } catch (error) {
      return errorBody(error)
    }
  }

  /** The primary: a scanned or pasted link. Returns the error, if any (then no attempt is open). */
  async acceptLink(text: string): Promise<ClientErrorBody | null> {
    this.offer = null
    this.link = null
    try {
      const status = await call(this.client, { type: 'devices.linkAccept', link: text.trim() })
      this.link = status
      return null
    } catch (error) {
      return errorBody(error)
    }
  }

  /** "Codes match" on this device. */
  async confirmLink(): Promise<ClientErrorBody | null> {
    const linkId = this.link?.linkId
    if (linkId === undefined) return null
    try {
      this.#follow(await call(this.client, { type: 'devices.linkConfirm', linkId }))
      return null
    } catch (error) {
      return errorBody(error)
    }
  }

  /** "Cancel": ends the attempt here (the other device is told); the screen shows why it ended. */
  async cancelLink(): Promise<ClientErrorBody | null> {
    const linkId = this.link?.linkId ?? this.offer?.linkId
    if (linkId === undefined) return null
    try {
      this.#follow(await call(this.client, { type: 'devices.linkCancel', linkId }))
      return null
    } catch (error) {
      return errorBody(error)
    }
  }

  /**
   * The device this primary has just linked (the finished attempt still shown), to offer it the
   * message history (ADR 0790); null otherwise. Found by the name the link carried, newest first.
   */
  justLinked(): DeviceInfo | null {
    const link = this.link
    const view = this.view.status === 'ready' ? this.view.value : null
    if (link?.side !== 'existing' || link.state !== 'done' || view === null) return null
    const named = view.devices.filter((d) => !d.thisDevice && d.name === link.deviceName)
    return named.sort((a, b) => b.linkedAt - a.linkedAt)[0] ?? null
  }

  /** Closes the finished attempt (the screen goes back to where it started). */
  closeLink(): void {
    this.link = null
    this.offer = null
  }
}

/** A first name for this browser in the link form ("Firefox on Linux"); the user may change it. */
export function suggestedDeviceName(userAgent: string): string {
  const browser = /Firefox\//.test(userAgent)
    ? 'Firefox'
    : /Edg\//.test(userAgent)
      ? 'Edge'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'Browser'
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /CrOS/.test(userAgent)
            ? 'ChromeOS'
            : /Linux/.test(userAgent)
              ? 'Linux'
              : null
  return system === null ? browser : `${browser} on ${system}`
}

/**
 * A failed link request in the words of the screen it failed on: the generic sentences ("Your
 * contact is not reachable", "not possible right now") would name the wrong thing here.
 */
export function linkErrorText(side: 'new' | 'existing', error: ClientErrorBody): string {
  if (side === 'new') {
    if (error.code === 'invalid_state' && /relay/i.test(error.message))
      return 'This browser has no relay to show a link through yet.'
    if (error.code === 'peer_unreachable')
      return 'This browser could not reach its relay to show a link. Check the connection and try again.'
  } else {
    if (error.code === 'peer_unreachable')
      return 'The new device could not be reached through the relay in its link. Check that it still shows the link and is online, then try again.'
    if (error.code === 'invalid_state')
      return 'Only your primary device can link devices: it holds your identity key.'
  }
  return errorText(error)
}
