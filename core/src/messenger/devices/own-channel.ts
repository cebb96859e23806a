/**
 * The channel between our own devices (issue 19, ADR 0762): each device keeps one own-devices
 * mailbox; the primary and each companion share a key from the link grant (own-frames.ts).
 *
 * - A companion announces its own-devices mailbox to the primary at each start (kind route).
 * - A message sent to a contact goes as a sent copy to the other end of each link (kind sent
 *   copy): it shows there as sent by me, and the contact's delivery receipts, which reach every
 *   device of ours, move its delivery state.
 * - Removing companions, the primary sends the new signed list to each removed one (kind device
 *   list) and forgets its link; a companion that finds itself off a newer list of our identity
 *   emits `device.removed`, and the service erases the store (service.ts).
 *
 * Links are star-shaped (primary ↔ each companion): a companion's sent copy reaches the primary,
 * not the other companions (not built: relaying it on).
 */
import type { ClientEvent } from '../../client/api.ts'
import { bytesEqual, toHex } from '../../crypto/bytes.ts'
import { DEVICE_OWNER_SELF, type ContactRecord, type MessageRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { isProtocolError, ProtocolError } from '../../wire/errors.ts'
import { reloadSecrets, type MessengerContext } from '../context.ts'
import type { MailboxManager } from '../mailbox-manager.ts'
import { deviceIdOf, peerIdBytes, peerIdOf } from '../net.ts'
import { decodePayload } from '../payload.ts'
import { decodeOutbound, encodeOutbound, toBase64Url } from '../records.ts'
import { decodeSecrets, encodeSecrets, type LocalSecrets, type OwnLink } from '../secrets.ts'
import { chatMessage, conversationSummary } from '../views.ts'
import { verifyDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { decodeDeviceList, decodeDeviceListBody } from './list-codec.ts'
import { OWN_FRAME_KIND, openOwnFrame, ownFrameSender, sealOwnFrame } from './own-frames.ts'
import type { OwnFrameKind } from './own-frames.ts'
import { applyDelivery, applyReadUpTo, encodeDelivery, encodeReadUpTo } from './own-read.ts'
import { applyContactUpdate, contactToSync, encodeContactUpdate } from './own-contacts.ts'
import { greetAgain } from './companion-hellos.ts'
import { planDeviceStore } from './store-plan.ts'
import { acceptSentCopy, encodeSentCopy } from './sync.ts'

/** Read when used: the messenger makes the channel before its context and mailboxes. */
export interface OwnChannelDeps {
  ctx(): MessengerContext
  relays(): string[]
  mailboxes(): Pick<MailboxManager, 'open' | 'watch' | 'helloFor' | 'newMailboxId' | 'deposit'>
  /** Makes every waiting outbox item due now. */
  retryOutbox?(): Promise<void>
}

/** Frames kept per linked device until it announced its mailbox (memory only). */
const MAX_UNROUTED = 200

/** Changes our stored secrets in one transaction and reloads the in-memory copy. */
async function updateSecrets(ctx: MessengerContext, change: (s: LocalSecrets) => void) {
  await ctx.store.transaction(async (tx) => {
    const identity = await tx.getIdentity()
    if (identity === undefined) throw new Error('no identity')
    const s = decodeSecrets(identity.secretKeys)
    change(s)
    await tx.putIdentity({ ...identity, secretKeys: encodeSecrets(s) })
  })
  await reloadSecrets(ctx)
}

export class OwnChannel {
  readonly #d: OwnChannelDeps

  constructor(deps: OwnChannelDeps) {
    this.#d = deps
  }

  get #ctx(): MessengerContext {
    return this.#d.ctx()
  }

  get #mailboxes() {
    return this.#d.mailboxes()
  }

  /** Whether `mailboxId` is our own-devices mailbox (its frames come here, not to the inbox). */
  owns(mailboxId: string): boolean {
    return this.#ctx.secrets.ownMailbox === mailboxId
  }

  #started = false
  /** Frames for a linked device whose mailbox is not known yet (sent when it announces it). */
  readonly #unrouted = new Map<string, { kind: number; body: Uint8Array }[]>()
  /** What each contact was last sent to our companions as (hex of the update), this run. */
  readonly #contactsSent = new Map<string, string>()

  /**
   * Watches our own-devices mailbox; a companion tells the primary where it is. Once per
   * messenger (the keeper calls it on every pass); a failed start is tried on the next pass.
   */
  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    try {
      await this.#start()
    } catch (err) {
      this.#started = false
      this.#ctx.log('own-devices channel not started yet', err)
    }
  }

  async #start(): Promise<void> {
    const home = this.#d.relays()[0]
    const mine = this.#ctx.secrets.ownMailbox
    if (home !== undefined && mine !== undefined) this.#mailboxes.watch(mine, home)
    if (this.#ctx.local.companion !== true) return
    const route = await this.route()
    for (const link of this.#ctx.secrets.ownLinks ?? [])
      await this.#send(link, OWN_FRAME_KIND.route, route)
  }

  /** Our own-devices mailbox as a deposit address (opened on our first relay when missing). */
  async route(): Promise<Uint8Array> {
    const relays = this.#d.relays()
    const home = relays[0]
    if (home === undefined) throw new Error('no relay of ours')
    let id = this.#ctx.secrets.ownMailbox
    if (id === undefined) {
      const fresh = this.#mailboxes.newMailboxId()
      await this.#mailboxes.open(fresh, home, null)
      await updateSecrets(this.#ctx, (s) => (s.ownMailbox = fresh))
      this.#mailboxes.watch(fresh, home)
      id = fresh
    }
    return encodeOutbound(this.#mailboxes.helloFor(id, relays, true))
  }

  /** The primary linked a device: their shared key (its route arrives from it). */
  addLink(link: OwnLink): Promise<void> {
    return updateSecrets(this.#ctx, (s) => {
      s.ownLinks = [...(s.ownLinks ?? []).filter((l) => l.deviceId !== link.deviceId), link]
    })
  }

  /** A message we sent to `contact` (its payload as sent), copied to our other devices. */
  async copySent(contact: ContactRecord, payload: Uint8Array): Promise<void> {
    const body = encodeSentCopy({ peerIdentityKey: contact.identityPublicKey, payload })
    for (const link of this.#ctx.secrets.ownLinks ?? []) {
      await this.#send(link, OWN_FRAME_KIND.sentCopy, body).catch((err: unknown) =>
        this.#ctx.log(`sent copy to ${link.deviceId} not delivered`, err),
      )
    }
  }

  /** Our client events: a contact added or changed on the primary goes to the companions. */
  async onEvent(event: ClientEvent): Promise<void> {
    const links = this.#ctx.secrets.ownLinks ?? []
    if (links.length === 0) return
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
    if (this.#ctx.local.companion === true) return
    try {
      const contact = await contactToSync(this.#ctx, event)
      if (contact === undefined) return
      const body = encodeContactUpdate(contact)
      // contact.updated follows every incoming frame: only a change is sent.
      const seen = toHex(body)
      if (this.#contactsSent.get(contact.contactId) === seen) return
      this.#contactsSent.set(contact.contactId, seen)
      for (const link of links) await this.#send(link, OWN_FRAME_KIND.contact, body)
    } catch (err) {
      this.#ctx.log('contact update not sent to our other devices', err)
    }
  }

  /** The user read the contact's conversation up to `messageId` here: our other devices too. */
  async readUpTo(contact: ContactRecord, messageId: string): Promise<void> {
    const body = encodeReadUpTo(contact.identityPublicKey, messageId)
    for (const link of this.#ctx.secrets.ownLinks ?? []) {
      await this.#send(link, OWN_FRAME_KIND.readUpTo, body).catch((err: unknown) =>
        this.#ctx.log(`read state to ${link.deviceId} not delivered`, err),
      )
    }
  }

  /** After publishing `list`: every linked device it leaves out is told, then forgotten. */
  async tellRemoved(list: VerifiedDeviceList): Promise<number> {
    const listed = new Set(list.devices.map((d) => deviceIdOf(d.peerId)))
    const removed = (this.#ctx.secrets.ownLinks ?? []).filter((l) => !listed.has(l.deviceId))
    for (const link of removed) {
      await this.#send(link, OWN_FRAME_KIND.deviceList, list.bytes).catch((err: unknown) =>
        this.#ctx.log(`removal notice to ${link.deviceId} not delivered`, err),
      )
    }
    if (removed.length > 0)
      await updateSecrets(this.#ctx, (s) => {
        s.ownLinks = (s.ownLinks ?? []).filter((l) => listed.has(l.deviceId))
      })
    return removed.length
  }

  async #send(link: OwnLink, kind: number, body: Uint8Array): Promise<void> {
    const route = link.route === undefined ? null : decodeOutbound(link.route)
    if (route === null) {
      // Not announced yet (a companion just linked): kept in memory until it is, bounded.
      const waiting = this.#unrouted.get(link.deviceId) ?? []
      if (waiting.length < MAX_UNROUTED) waiting.push({ kind, body })
      this.#unrouted.set(link.deviceId, waiting)
      return
    }
    const from = peerIdBytes(peerIdOf(this.#ctx.local.deviceId))
    const to = peerIdBytes(peerIdOf(link.deviceId))
    const frame = sealOwnFrame(
      link.key,
      from,
      to,
      { kind: kind as OwnFrameKind, body },
      this.#ctx.platform.random,
    )
    await this.#mailboxes.deposit(route, frame)
  }

  /** A frame from our own-devices mailbox. Throws ProtocolError for one it refuses. */
  async receive(bytes: Uint8Array): Promise<void> {
    const sender = deviceIdOf(ownFrameSender(bytes))
    const link = (this.#ctx.secrets.ownLinks ?? []).find((l) => l.deviceId === sender)
    if (link === undefined) throw new ProtocolError('unknown_key', 'no link with that device')
    const me = peerIdBytes(peerIdOf(this.#ctx.local.deviceId))
    const frame = openOwnFrame(link.key, me, bytes)
    if (frame.kind === OWN_FRAME_KIND.route) {
      decodeOutbound(frame.body) // a deposit address, or ProtocolError
      await updateSecrets(this.#ctx, (s) => {
        s.ownLinks = (s.ownLinks ?? []).map((l) =>
          l.deviceId === sender ? { ...l, route: frame.body } : l,
        )
      })
      const waiting = this.#unrouted.get(sender) ?? []
      this.#unrouted.delete(sender)
      const routed = { ...link, route: frame.body }
      for (const w of waiting) await this.#send(routed, w.kind, w.body).catch(() => undefined)
    } else if (frame.kind === OWN_FRAME_KIND.sentCopy) {
      await this.#fileSentCopy(frame.body)
    } else if (frame.kind === OWN_FRAME_KIND.readUpTo) {
      await applyReadUpTo(this.#ctx, frame.body)
    } else if (frame.kind === OWN_FRAME_KIND.delivery) {
      await applyDelivery(this.#ctx, frame.body)
    } else if (frame.kind === OWN_FRAME_KIND.contact) {
      // Only the primary keeps the address book; a companion's contact updates are refused.
      if (this.#ctx.local.companion !== true)
        throw new ProtocolError('wrong_key', 'contact updates come from the primary only')
      const applied = await applyContactUpdate(this.#ctx, frame.body)
      if (applied.created > 0) greetAgain(this.#ctx)
      // A Hello that waited for a newer route (the contact's invite mailbox closed) goes now.
      if (applied.rerouted) await this.#d.retryOutbox?.()
    } else {
      await this.#takeOwnList(frame.body)
    }
  }

  async #fileSentCopy(body: Uint8Array): Promise<void> {
    const { store, platform, local } = this.#ctx
    const own = local.identity.publicKey
    const copy = acceptSentCopy(body, own, own)
    const payload = decodePayload(copy.payload)
    // Texts show as sent by me; other payloads (receipts, controls) are not copied (not built).
    if (payload.body.kind !== 'text') return
    const text = payload.body.text
    const events: ClientEvent[] = []
    await store.transaction(async (tx) => {
      const contact = await tx.getContactByIdentityKey(toBase64Url(copy.peerIdentityKey))
      const conv = contact && (await tx.getConversationByContact(contact.contactId))
      if (conv === undefined) return // a contact this device does not hold (yet)
      const now = platform.clock()
      const m: MessageRecord = {
        messageId: toBase64Url(payload.messageId),
        conversationId: conv.conversationId,
        direction: 'out',
        senderDeviceId: null,
        body: { kind: 'text', text },
        sentAt: payload.sentAt,
        receivedAt: now,
        delivery: 'sent',
        failure: null,
        readAt: null,
      }
      if (!(await tx.addMessage(m))) return
      const updated = { ...conv, lastMessageId: m.messageId, lastActivityAt: now }
      await tx.putConversation(updated)
      events.push({ type: 'message.added', message: chatMessage(m) })
      const summary = await conversationSummary(tx, updated)
      if (summary !== undefined)
        events.push({ type: 'conversation.updated', conversation: summary })
    })
    for (const e of events) this.#ctx.emit(e)
  }

  /** A newer list of our identity: still on it, it is our list now; left out, we were removed. */
  async #takeOwnList(bytes: Uint8Array): Promise<void> {
    const ctx = this.#ctx
    const list = verifyDeviceList(bytes, { identityKey: ctx.local.identity.publicKey })
    const record = await ctx.store.getIdentity()
    if (record === undefined) return
    const held = record.deviceList === undefined ? 0 : versionOf(record.deviceList)
    if (list.listVersion <= held) throw new ProtocolError('replay', 'an older or equal device list')
    const stillListed = list.devices.some((d) => bytesEqual(d.deviceKey, ctx.local.cert.deviceKey))
    if (!stillListed) {
      ctx.emit({ type: 'device.removed', at: ctx.platform.clock() })
      return
    }
    await ctx.store.transaction(async (tx) => {
      const fresh = await tx.getIdentity()
      if (fresh === undefined) return
      await tx.putIdentity({ ...fresh, deviceList: list.bytes })
      await recordOwnDevices(tx, list, ctx.local.deviceId)
    })
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
