/**
 * The channel between our own devices (issue 19, ADR 0762): each device keeps one own-devices
 * mailbox; the primary and each companion share a key from the link grant (own-frames.ts).
 *
 * - A companion announces its own-devices mailbox to the primary at each start (kind route).
 * - A message sent to a contact goes as a sent copy to the other end of each link (kind sent
 *   copy): it shows there as sent by me, and the contact's delivery receipts, which reach every
 *   device of ours, move its delivery state.
 * - Each list the primary publishes goes to every linked device (kind device list): a companion
 *   stores a newer one and shows it (`devices.changed`); one that finds itself off it emits
 *   `device.removed`, and the service erases the store (service.ts); the primary then forgets
 *   the removed device's link.
 * - Where each device reads, and frames waiting for a device to say so: own-routes.ts.
 *
 * Links are star-shaped (primary ↔ each companion): a companion's sent copy reaches the primary,
 * not the other companions (not built: relaying it on).
 */
import type { ClientEvent, Settings, SettingsPatch } from '../../client/api.ts'
import { bytesEqual, toHex } from '../../crypto/bytes.ts'
import { DEVICE_OWNER_SELF, type ContactRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { isProtocolError, ProtocolError } from '../../wire/errors.ts'
import { changeSecrets, type MessengerContext } from '../context.ts'
import type { MailboxManager } from '../mailbox-manager.ts'
import { deviceIdOf, peerIdBytes, peerIdOf } from '../net.ts'
import { toBase64Url } from '../records.ts'
import type { OwnLink } from '../secrets.ts'
import { notifyUser } from '../notify.ts'
import { verifyDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { decodeDeviceList, decodeDeviceListBody } from './list-codec.ts'
import { OWN_FRAME_KIND, openOwnFrame, ownFrameSender, sealOwnFrame } from './own-frames.ts'
import type { OwnFrameKind } from './own-frames.ts'
import { applyDelivery, applyReadUpTo, encodeDelivery, encodeReadUpTo } from './own-read.ts'
import { contactToSync } from './own-contacts.ts'
import { fileSentCopy } from './own-copy.ts'
import { applyWaiting } from './own-waiting.ts'
import { baselineContacts, markSent, stampLocalChange, unsentStates } from './sync-contacts.ts'
import { applySettingsState, stampSettingsChange, type SettingsSyncDeps } from './sync-settings.ts'
import {
  AppliedDeclines,
  applyDeclined,
  declinedHere,
  encodeDeclined,
  type DeclineTargets,
} from './sync-declines.ts'
import { greetAgain } from './companion-hellos.ts'
import { planDeviceStore } from './store-plan.ts'
import { refreshRequestIfDue, takeRefreshGrant } from './refresh-link.ts'
import { answerAndPublish, renewPrimaryKeys, type PrimaryKeysState } from './primary-keys.ts'
import { applyContactFrame, isContactKind, withoutRoute, type KeyAcceptDeps } from './sync-key.ts'
import { NotHeldHere } from './sync-decision.ts'
import { sendDeletions } from './sync-delete.ts'
import { currentOwnList, devicesView } from './own-devices.ts'
import { encodeSentCopy } from './sync.ts'
import { isHistoryKind, OwnHistory } from './history.ts'
import { ownDirect, type OwnDirect } from './own-direct.ts'
import { OwnRoutes } from './own-routes.ts'
import { SeenOnce } from './seen-once.ts'

/** Read when used: the messenger makes the channel before its context and mailboxes. */
export interface OwnChannelDeps {
  ctx(): MessengerContext
  relays(): string[]
  mailboxes(): Pick<
    MailboxManager,
    'open' | 'watch' | 'unwatch' | 'helloFor' | 'newMailboxId' | 'deposit'
  >
  /** Makes every waiting outbox item due now. */
  retryOutbox?(): Promise<void>
  /**
   * What own-device frames change here: our settings (the person-wide ones follow our other
   * devices, ADR 0785), the ringing call and incoming offers a decline elsewhere ends (ADR 0787).
   */
  live?(): {
    settings: { current: Settings; update(patch: SettingsPatch): Promise<unknown> }
    /** Adopting a key accepted on another device releases held messages (sync-key.ts). */
    contacts?: KeyAcceptDeps
  } & DeclineTargets
}

/**
 * Waits before each further attempt at a sync frame whose deposit failed (a mailbox link that was
 * being replaced): bounded, then logged — the next change or start sends the state again.
 */
const SYNC_RETRY_MS = [500, 2_000, 5_000] as const

export class OwnChannel {
  readonly #d: OwnChannelDeps

  /** History to and from our other devices, and the gap after a link (ADR 0790). */
  readonly history: OwnHistory

  /** The direct path to our other devices when both are online (`/hestia/own/1.0.0`). */
  readonly #direct: OwnDirect

  /** Our mailbox, our devices' mailboxes, and frames waiting for one (own-routes.ts). */
  readonly #routes: OwnRoutes

  constructor(deps: OwnChannelDeps) {
    this.#d = deps
    this.#routes = new OwnRoutes(deps)
    this.history = new OwnHistory({
      ctx: () => this.#ctx,
      links: () => this.#active(),
      send: (link, kind, body) => this.#send(link, kind, body),
      notify: (key) => this.#notifyForwarded(key),
      // No relay storage on the direct path: more chunks may be on their way (ADR 0790).
      window: (link) => this.#direct.historyWindow(link.deviceId),
    })
    const linked = () => (this.#stopped ? [] : this.#active())
    this.#direct = ownDirect(this.#d, linked, (f) => this.receive(f))
  }

  /** A contact's message the primary forwarded, new here: notified like one straight from them. */
  async #notifyForwarded(peerIdentityKey: Uint8Array): Promise<void> {
    const settings = this.#d.live?.().settings.current
    const { store } = this.#ctx
    const contact = await store.getContactByIdentityKey(toBase64Url(peerIdentityKey))
    if (settings === undefined || contact === undefined || contact.blocked) return
    const conv = await store.getConversationByContact(contact.contactId)
    if (conv !== undefined) notifyUser(this.#ctx, settings, contact, conv.conversationId)
  }

  /** The links we send over: removed devices waiting to be told get nothing else. */
  #active(): OwnLink[] {
    return (this.#ctx.secrets.ownLinks ?? []).filter((l) => l.removed !== true)
  }

  get #ctx(): MessengerContext {
    return this.#d.ctx()
  }

  get #mailboxes() {
    return this.#d.mailboxes()
  }

  /** Frames and bytes kept for devices that have not announced their mailbox (tests). */
  unroutedHeld(deviceId?: string): { frames: number; bytes: number } {
    return this.#routes.held(deviceId)
  }

  /** Whether `mailboxId` is our own-devices mailbox (its frames come here, not to the inbox). */
  owns(mailboxId: string): boolean {
    return this.#ctx.secrets.ownMailbox === mailboxId
  }

  #started = false
  #stopped = false
  /** Retry waits of sync frames (#sendRetrying): stop() ends them. */
  readonly #waits = new Set<() => void>()
  /** Calls ended here because another device of ours declined them (bounded, expiring). */
  readonly #declinedApplied = new AppliedDeclines(() => this.#ctx.platform.clock())

  /**
   * Watches our own-devices mailbox; a companion tells the primary where it is. Once per
   * messenger (the keeper calls it on every pass); a failed start is tried on the next pass, and
   * once started each pass checks whether a companion's keys are due for renewal (ADR 0786).
   */
  async start(): Promise<void> {
    if (this.#stopped) return
    if (this.#started) return this.maintainKeys()
    this.#started = true
    try {
      await this.#direct.serve()
      await this.#start()
    } catch (err) {
      this.#started = false
      this.#ctx.log('own-devices channel not started yet', err)
    }
  }

  /**
   * The messenger stops (before its mailboxes and store): history transfers end where they are and
   * retry waits are cut short; no timer of the channel is left, nothing is sent or emitted later.
   */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#started = false
    for (const wake of this.#waits) wake()
    await this.history.stop()
    await this.#direct.close()
  }

  async #start(): Promise<void> {
    // What our devices agree on starts as what each device holds now (sync-contacts.ts).
    await baselineContacts(this.#ctx)
    const home = this.#d.relays()[0]
    const mine = this.#ctx.secrets.ownMailbox
    if (home !== undefined && mine !== undefined) this.#mailboxes.watch(mine, home)
    if (this.#ctx.local.companion === true) {
      const route = await this.route()
      for (const link of this.#active()) await this.#send(link, OWN_FRAME_KIND.route, route)
    }
    void this.#sendUnsent()
  }

  /** What a stop or a failed deposit left unsent (sync-contacts.ts, sync-settings.ts). */
  async #sendUnsent(): Promise<void> {
    if (this.#ctx.local.companion !== true) await this.#tellWaiting()
    if (this.#active().length === 0) return
    for (const [contactId, out] of await unsentStates(this.#ctx))
      if (await this.#sendAll(out.kind, out.body)) await markSent(this.#ctx, contactId)
    await sendDeletions(this.#ctx, (kind, body) => this.#sendAll(kind, body))
    const held = this.#ctx.secrets.personalSync
    const deps = this.#settingsDeps()
    if (held?.pending !== true || deps === null) return
    const body = await stampSettingsChange(deps, true)
    if (body !== null && (await this.#sendAll(OWN_FRAME_KIND.settings, body)))
      await deps.saveAgreement({ ...held, pending: false })
  }

  /** Our own-devices mailbox as a deposit address (opened on our first relay when missing). */
  route(): Promise<Uint8Array> {
    return this.#routes.route()
  }

  /**
   * Each keeper pass: a companion whose certificate or prekeys expire soon asks the primary to
   * sign fresh ones (refresh-link.ts; numbers compared, nothing sent unless due).
   */
  async maintainKeys(): Promise<void> {
    try {
      const request = await refreshRequestIfDue(this.#ctx)
      if (request !== null) await this.#sendAll(OWN_FRAME_KIND.refreshRequest, request)
      // The primary's own keys, renewed while it runs too (primary-keys.ts).
      const renewed = await renewPrimaryKeys(this.#ctx, this.#primaryKeys, () =>
        this.#d.retryOutbox?.(),
      )
      if (renewed !== null) await this.listPublished(renewed)
    } catch (err) {
      this.#ctx.log('key refresh not asked yet', err)
    }
  }

  readonly #primaryKeys: PrimaryKeysState = { listToCheck: true }

  /** The primary linked a device: their shared key (its route arrives from it). */
  async addLink(link: OwnLink): Promise<void> {
    // Contacts added while no device was linked get their agreement now: what its snapshot holds.
    await baselineContacts(this.#ctx)
    await changeSecrets(this.#ctx, (s) => {
      s.ownLinks = [...(s.ownLinks ?? []).filter((l) => l.deviceId !== link.deviceId), link]
    })
  }

  /** A message we sent to `contact` (its payload as sent), copied to our other devices. */
  async copySent(contact: ContactRecord, payload: Uint8Array): Promise<void> {
    const body = encodeSentCopy({ peerIdentityKey: contact.identityPublicKey, payload })
    for (const link of this.#active()) {
      await this.#send(link, OWN_FRAME_KIND.sentCopy, body).catch((err: unknown) =>
        this.#ctx.log(`sent copy to ${link.deviceId} not delivered`, err),
      )
    }
  }

  /**
   * Our client events: a delivery state of a message of ours, a contact or the person-wide
   * settings changed here go to our other devices (ADR 0762, 0785).
   */
  async onEvent(event: ClientEvent): Promise<void> {
    applyWaiting(this.#ctx, event) // what overtook its message or contact applies now (ADR 0793)
    const links = this.#active()
    if (links.length === 0) return
    await this.history
      .onEvent(event)
      .catch((err: unknown) => this.#ctx.log('history: event not passed on', err))
    // A message of ours delivered or read: our other devices' copies follow (kind 6).
    const m = event.type === 'message.updated' ? event.message : null
    if (
      m !== null &&
      m.direction === 'out' &&
      (m.delivery === 'delivered' || m.delivery === 'read')
    ) {
      const body = encodeDelivery(m.messageId, m.delivery)
      for (const link of links)
        await this.#send(link, OWN_FRAME_KIND.delivery, body).catch((err: unknown) =>
          this.#ctx.log('delivery state not sent to our other devices', err),
        )
      return
    }
    try {
      const declined = declinedHere(this.#ctx, event)
      if (declined !== null) {
        // What a decline from another device ended here is not told back.
        if (!this.#declinedApplied.take(declined.id))
          await this.#sendAll(OWN_FRAME_KIND.declined, encodeDeclined(declined))
        return
      }
      if (event.type === 'settings.changed') {
        const deps = this.#settingsDeps()
        const body = deps === null ? null : await stampSettingsChange(deps)
        if (body !== null && (await this.#sendAll(OWN_FRAME_KIND.settings, body)))
          await deps!.saveAgreement({ ...this.#ctx.secrets.personalSync!, pending: false })
        return
      }
      if (event.type === 'conversation.removed')
        return await sendDeletions(this.#ctx, (kind, body) => this.#sendAll(kind, body))
      const contact = await contactToSync(this.#ctx, event)
      if (contact === undefined) return
      const out = await stampLocalChange(this.#ctx, contact.contactId)
      if (out !== null && (await this.#sendAll(out.kind, out.body)))
        await markSent(this.#ctx, contact.contactId)
    } catch (err) {
      this.#ctx.log('contact or settings change not sent to our other devices', err)
    }
  }

  /**
   * Sends to every linked device but `except` (the one a passed-on frame came from); false when
   * a deposit failed after its retries (logged).
   */
  async #sendAll(kind: number, body: Uint8Array, except?: string): Promise<boolean> {
    let all = true
    for (const link of this.#active()) {
      if (link.deviceId === except) continue
      await this.#sendRetrying(link, kind, body).catch((err: unknown) => {
        all = false
        this.#ctx.log(`own-device frame ${kind} to ${link.deviceId} not delivered`, err)
      })
    }
    return all
  }

  async #sendRetrying(link: OwnLink, kind: number, body: Uint8Array): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#send(link, kind, body)
      } catch (err) {
        const wait = SYNC_RETRY_MS[attempt]
        if (wait === undefined || !this.#started) throw err
        await this.#sleep(wait)
        if (this.#stopped) throw err
      }
    }
  }

  /** Waits `ms`, or less when stop() comes first. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.#waits.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.#waits.add(wake)
    })
  }

  #settingsDeps(): SettingsSyncDeps | null {
    const settings = this.#d.live?.().settings
    if (settings === undefined) return null
    return {
      ctx: this.#ctx,
      current: () => settings.current,
      update: (patch) => settings.update(patch),
      saveAgreement: async (sync) => {
        await changeSecrets(this.#ctx, (s) => (s.personalSync = sync))
      },
    }
  }

  /** The user read the contact's conversation up to `messageId` here: our other devices too. */
  async readUpTo(contact: ContactRecord, messageId: string): Promise<void> {
    const body = encodeReadUpTo(contact.identityPublicKey, messageId)
    for (const link of this.#active()) {
      await this.#send(link, OWN_FRAME_KIND.readUpTo, body).catch((err: unknown) =>
        this.#ctx.log(`read state to ${link.deviceId} not delivered`, err),
      )
    }
  }

  /**
   * After publishing `list` (primary): the linked devices it still names get it (kind 3), so a
   * rename or a newly linked device shows there too; those it leaves out are told they were
   * removed (tellRemoved). `except`: a device that has it already (a refresh grant carries it).
   * The caller waits for the deposits; one that still failed after its retries is logged, and
   * that device takes the next list. A list older than the one held now (a refresh answer or a
   * renewal sent after a link published a newer one) does nothing: judged as current it would
   * count the newly linked device as removed and forget its link; the newer list went out itself.
   */
  async listPublished(list: VerifiedDeviceList, except?: string): Promise<void> {
    if ((await currentOwnList(this.#ctx)).listVersion > list.listVersion) return
    await this.tellRemoved(list)
    await this.#sendAll(OWN_FRAME_KIND.deviceList, list.bytes, except)
  }

  /**
   * After publishing `list`: every linked device it leaves out is told, then forgotten. One whose
   * mailbox is not announced yet (removed right after its link) or whose deposit failed is kept
   * as removed and told when it announces its mailbox or at our next start (#tellWaiting).
   */
  async tellRemoved(list: VerifiedDeviceList): Promise<number> {
    const listed = new Set(list.devices.map((d) => deviceIdOf(d.peerId)))
    const removed = (this.#ctx.secrets.ownLinks ?? []).filter((l) => !listed.has(l.deviceId))
    if (removed.length === 0) return 0
    // Marked first, then told from the links as stored now: a mailbox announced meanwhile (kind 1
    // racing this removal) is used, not lost (the bench's removal right after a link).
    await changeSecrets(this.#ctx, (s) => {
      s.ownLinks = (s.ownLinks ?? []).map((l) =>
        listed.has(l.deviceId) ? l : { ...l, removed: true as const },
      )
    })
    // What waited for their mailbox goes nowhere now (review 11 F6).
    for (const l of removed) this.#routes.forget(l.deviceId)
    await this.#tellWaiting()
    return removed.length
  }

  /** Sends the removal notice (a list without the device) if its mailbox is known. */
  async #tell(link: OwnLink, list: Uint8Array): Promise<boolean> {
    if (link.route === undefined) return false
    try {
      await this.#sendRetrying(link, OWN_FRAME_KIND.deviceList, list)
      return true
    } catch (err) {
      this.#ctx.log(`removal notice to ${link.deviceId} not delivered yet`, err)
      return false
    }
  }

  /** Removed devices whose notice is being deposited now. */
  readonly #telling = new Set<string>()

  /** Removed devices not told yet: told now with our current list, then forgotten. */
  async #tellWaiting(only?: string): Promise<void> {
    const waiting = (this.#ctx.secrets.ownLinks ?? []).filter(
      (l) =>
        l.removed === true &&
        (only === undefined || l.deviceId === only) &&
        !this.#telling.has(l.deviceId),
    )
    if (waiting.length === 0) return
    // One notice per device at a time (the removal and its announcement may both get here).
    const mine = waiting.filter((l) => l.route !== undefined).map((l) => l.deviceId)
    for (const id of mine) this.#telling.add(id)
    try {
      const list = (await currentOwnList(this.#ctx)).bytes
      const told = new Set<string>()
      for (const link of waiting) if (await this.#tell(link, list)) told.add(link.deviceId)
      await changeSecrets(this.#ctx, (s) => {
        s.ownLinks = (s.ownLinks ?? []).filter((l) => !told.has(l.deviceId))
      })
      for (const id of told) this.#routes.forget(id)
    } finally {
      for (const id of mine) this.#telling.delete(id)
    }
  }

  async #send(given: OwnLink, kind: number, body: Uint8Array): Promise<void> {
    // Not announced yet (a companion just linked): kept in memory until it is (own-routes.ts).
    const routed = this.#routes.routeOrKeep(given, kind, body)
    if (routed === null) return
    const { link, route } = routed
    const from = peerIdBytes(peerIdOf(this.#ctx.local.deviceId))
    const to = peerIdBytes(peerIdOf(link.deviceId))
    const frame = sealOwnFrame(
      link.key,
      from,
      to,
      { kind: kind as OwnFrameKind, body },
      this.#ctx.platform.random,
    )
    // Both online: straight to the device; anything else (or a failure) the mailbox.
    if (await this.#direct.sendKind(link.deviceId, kind, frame)) return
    await this.#mailboxes.deposit(route, frame)
  }

  /** A frame from our own-devices mailbox. Throws ProtocolError for one it refuses. */
  async receive(bytes: Uint8Array): Promise<void> {
    const sender = deviceIdOf(ownFrameSender(bytes))
    const link = (this.#ctx.secrets.ownLinks ?? []).find((l) => l.deviceId === sender)
    if (link === undefined) throw new ProtocolError('unknown_key', 'no link with that device')
    const me = peerIdBytes(peerIdOf(this.#ctx.local.deviceId))
    const frame = openOwnFrame(link.key, me, bytes)
    if (link.removed === true && frame.kind !== OWN_FRAME_KIND.route)
      throw new ProtocolError('unknown_key', 'a removed device')
    if (frame.kind === OWN_FRAME_KIND.route) {
      const announced = await this.#routes.take(sender, link, frame.body)
      // Removed before it announced itself, or while it did: told now (it erases itself).
      if (announced.removed) return this.#tellWaiting(sender)
      const routed = announced.link
      for (const w of announced.waiting)
        await this.#send(routed, w.kind, w.body).catch(() => undefined)
      await this.#sendSettingsTo(routed)
      // Back (a restart): a history transfer to it goes on where it stopped (ADR 0790).
      this.history.peerBack(sender)
    } else if (frame.kind === OWN_FRAME_KIND.sentCopy) {
      await fileSentCopy(this.#ctx, frame.body)
    } else if (frame.kind === OWN_FRAME_KIND.readUpTo) {
      await applyReadUpTo(this.#ctx, frame.body)
    } else if (frame.kind === OWN_FRAME_KIND.delivery) {
      await applyDelivery(this.#ctx, frame.body)
    } else if (frame.kind === OWN_FRAME_KIND.contact) {
      // Unstamped: a relay replaying an old one could roll a contact back (kind 7 replaced it).
      throw new ProtocolError('malformed', 'unstamped contact update (kind 5) is not taken')
    } else if (frame.kind === OWN_FRAME_KIND.refreshRequest) {
      // Primary: a companion's fresh keys signed, the new list to every contact, the grant back.
      const { list, grant, again } = await answerAndPublish(this.#ctx, sender, frame.body)
      if (!again) await this.#d.retryOutbox?.()
      await this.#sendRetrying(link, OWN_FRAME_KIND.refreshGrant, grant)
      if (again) return // the list went out when it was published
      this.#ctx.emit({ type: 'devices.changed', devices: await devicesView(this.#ctx, list) })
      await this.listPublished(list, sender)
    } else if (frame.kind === OWN_FRAME_KIND.refreshGrant) {
      const list = await takeRefreshGrant(this.#ctx, frame.body)
      await this.#ctx.store.transaction((tx) =>
        recordOwnDevices(tx, list, this.#ctx.local.deviceId),
      )
      this.#ctx.emit({ type: 'devices.changed', devices: await devicesView(this.#ctx, list) })
    } else if (frame.kind === OWN_FRAME_KIND.declined) {
      const targets = this.#d.live?.() ?? {}
      await applyDeclined(this.#ctx, frame.body, targets, this.#declinedApplied)
      await this.#passOn(sender, OWN_FRAME_KIND.declined, frame.body)
    } else if (isContactKind(frame.kind)) {
      await this.#takeContactState(sender, frame.kind, frame.body)
    } else if (frame.kind === OWN_FRAME_KIND.settings) {
      const deps = this.#settingsDeps()
      if (deps !== null && (await applySettingsState(deps, frame.body)))
        await this.#passOn(sender, OWN_FRAME_KIND.settings, frame.body)
    } else if (isHistoryKind(frame.kind)) {
      await this.history.receive(link, frame.kind, frame.body)
    } else {
      await this.#takeOwnList(frame.body)
    }
  }

  async #takeContactState(sender: string, kind: number, given: Uint8Array): Promise<void> {
    const fromPrimary = this.#ctx.local.companion === true
    // Passed on without a route: the other companions would take it as ours (review 11 F4).
    const body = fromPrimary ? given : withoutRoute(kind, given)
    const deps = { contacts: this.#d.live?.().contacts, mailboxes: this.#mailboxes }
    const applied = await applyContactFrame(this.#ctx, deps, kind, body, fromPrimary).catch(
      async (err: unknown) => {
        // A newer key decision for a key change this primary has not seen (yet): its other
        // companions may hold that change, so it goes on to them; each judges it (F7). Once: the
        // agreement here does not move, so the same frame again (a relay replaying it) stops here.
        if (err instanceof NotHeldHere) await this.#passOnOnce(sender, kind, body)
        throw err
      },
    )
    if (applied.created) greetAgain(this.#ctx)
    // A Hello that waited for a newer route (the contact's invite mailbox closed) goes now.
    if (applied.rerouted) await this.#d.retryOutbox?.()
    if (applied.changed) await this.#passOn(sender, kind, body)
  }

  /** Key decisions passed on without being taken here (bounded; lost on a restart). */
  readonly #passedOn = new SeenOnce(256)

  /** #passOn for a frame not taken here, once (kept for another try if a deposit failed). */
  async #passOnOnce(sender: string, kind: number, body: Uint8Array): Promise<void> {
    const key = `${kind}:${toHex(body)}`
    if (this.#ctx.local.companion === true || !this.#passedOn.first(key)) return
    if (!(await this.#sendAll(kind, body, sender))) this.#passedOn.forget(key)
  }

  /**
   * Links are a star: the primary passes a companion's change on to its other companions (the
   * same stamped frame; a companion's contact state carries no route).
   */
  async #passOn(sender: string, kind: number, body: Uint8Array): Promise<void> {
    if (this.#ctx.local.companion === true) return
    await this.#sendAll(kind, body, sender)
  }

  /** The primary's person-wide settings to a companion that just announced its mailbox. */
  async #sendSettingsTo(link: OwnLink): Promise<void> {
    const deps = this.#ctx.local.companion === true ? null : this.#settingsDeps()
    const body = deps === null ? null : await stampSettingsChange(deps, true)
    if (body !== null)
      await this.#send(link, OWN_FRAME_KIND.settings, body).catch((err: unknown) =>
        this.#ctx.log('settings not sent to a companion', err),
      )
  }

  /**
   * A newer list of our identity from the primary: still on it, it is our list now (the devices
   * screen follows: `devices.changed`); left out, we were removed. The list we hold again (a
   * newly linked device has it from its grant) changes nothing; an older one, or another equal
   * one, is `replay`; one not signed by our identity is refused by verifyDeviceList.
   */
  async #takeOwnList(bytes: Uint8Array): Promise<void> {
    const ctx = this.#ctx
    if (ctx.local.companion !== true)
      throw new ProtocolError('wrong_key', 'a device list from a companion (the primary signs)')
    const list = verifyDeviceList(bytes, { identityKey: ctx.local.identity.publicKey })
    const stillListed = list.devices.some((d) => bytesEqual(d.deviceKey, ctx.local.cert.deviceKey))
    // Judged and stored in one transaction: a refresh grant's list stored meanwhile is not undone.
    const taken = await ctx.store.transaction(async (tx) => {
      const record = await tx.getIdentity()
      if (record === undefined) return false
      if (record.deviceList !== undefined && bytesEqual(record.deviceList, list.bytes)) return false
      const held = record.deviceList === undefined ? 0 : versionOf(record.deviceList)
      if (list.listVersion <= held) throw new ProtocolError('replay', 'an older device list')
      if (!stillListed) return true
      await tx.putIdentity({ ...record, deviceList: list.bytes })
      await recordOwnDevices(tx, list, ctx.local.deviceId)
      return true
    })
    if (!taken) return
    if (!stillListed) return ctx.emit({ type: 'device.removed', at: ctx.platform.clock() })
    ctx.emit({ type: 'devices.changed', devices: await devicesView(ctx, list) })
  }
}

function versionOf(bytes: Uint8Array): number {
  try {
    return decodeDeviceListBody(decodeDeviceList(bytes).body).listVersion
  } catch (err) {
    if (isProtocolError(err)) return 0
    throw err
  }
}

async function recordOwnDevices(tx: StoreOperations, list: VerifiedDeviceList, me: string) {
  const plan = planDeviceStore({
    owner: DEVICE_OWNER_SELF,
    list,
    devices: await tx.listDevices(DEVICE_OWNER_SELF),
    sessions: [],
    thisDeviceId: me,
  })
  for (const d of plan.putDevices) await tx.putDevice(d)
  for (const id of plan.deleteDevices) await tx.deleteDevice(DEVICE_OWNER_SELF, id)
}
