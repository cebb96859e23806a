/**
 * The messenger's side of groups (issue 20): builds the GroupManager from the messenger's parts,
 * carries its 1:1 traffic in ChatPayload `group` bodies (docs/protocol/groups.md "Inside 1:1
 * sessions"), shows records as the client API's views and emits its events.
 *
 * - Invitations, KeyPackages and their requests are queued like any control payload (outbox,
 *   retried, through the contact's mailbox when the contact is offline).
 * - Application frames go only over an open direct connection (`sendDirect`); whoever is not
 *   reached reads the group mailbox, live through a subscription (GroupWatch).
 * - The group mailbox is created on our home relay through a throwaway link (ADR 0754), like our
 *   own mailboxes; every member reads and writes it through its own links.
 *
 * The device's MLS signing key is made once and stored (GroupDeviceRecord); groups and their
 * history are stored by the GroupManager after every step. Members map to contacts by the identity
 * key in their credential; blocked contacts map to nobody, and a contact with an unaccepted key
 * change is held: not added, its frames not accepted directly, its group messages stored as held.
 */
import { toBase64Url, toHex } from '../../crypto/bytes.ts'
import { CredentialChecker, issueMemberCredential } from '../../groups/credential.ts'
import { groupEntryKey } from '../../groups/entry-seal.ts'
import { MailboxError } from '../../mailbox/errors.ts'
import { createKeyPackage, loadSuite, type Group } from '../../groups/mls.ts'
import {
  ClientApiError,
  GROUP_API_LIMITS,
  type GroupMember,
  type GroupMessage,
  type GroupSummary,
} from '../../client/api.ts'
import type { ContactRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import { groupMailboxPort } from '../group-mailbox.ts'
import {
  createGroupMailbox,
  groupMailboxClient,
  groupSigningKey,
  sendGroupBody,
  type MessengerGroupsDeps,
} from './group-io.ts'
import { GroupManager, type GroupManagerEvent } from './group-manager.ts'
import { groupMemberView, groupMessageView, type GroupNames } from './group-views.ts'
import { GroupWatch } from './group-watch.ts'

export type { MessengerGroupsDeps } from './group-io.ts'

/**
 * Why a linked companion (ADR 0762) takes no part in groups yet: its MLS credential binds its leaf
 * key with a signature of the identity key, which only the primary holds.
 */
export const COMPANION_NO_GROUPS =
  'Groups are not available on a linked device yet: use them on the device that made your identity.'
export type { GroupManagerEvent } from './group-manager.ts'

export class MessengerGroups {
  readonly #ctx: MessengerContext
  readonly #deps: MessengerGroupsDeps
  #manager: Promise<GroupManager> | undefined
  /** identity key (hex) → contact id, refreshed before every group operation. */
  #contacts = new Map<string, string>()
  /** identity key (hex), old or new, of contacts with a pending key change → contact id. */
  #held = new Map<string, string>()
  /** Contact records by id, for names (refreshed with the maps above). */
  #records = new Map<string, ContactRecord>()
  /** Contact records by identity key id (base64url), old and pending keys alike. */
  #byKey = new Map<string, ContactRecord>()
  /** Key changes already turned into group lines (`old key id/new key id`). */
  readonly #keyChanges = new Set<string>()
  readonly #listeners = new Set<(e: GroupManagerEvent) => void>()
  readonly #watch: GroupWatch

  constructor(ctx: MessengerContext, deps: MessengerGroupsDeps) {
    this.#ctx = ctx
    this.#deps = deps
    this.#watch = new GroupWatch({
      subscribe: (groupId, onPush) => this.#subscribe(groupId, onPush),
      catchUp: (groupId) => this.catchUp(groupId),
      log: (m, e) => ctx.log(m, e),
    })
    this.#listeners.add((e) => void this.#emit(e))
  }

  /** Live delivery for every group this device takes part in (the messenger's start). */
  async start(): Promise<void> {
    this.#watch.start()
    // Without groups nothing is loaded (the MLS suite, the signing key) until one is made.
    if ((await this.#ctx.store.listGroups()).length === 0) return
    const manager = await this.#ready()
    manager.start() // after a stop in this process: leaves pending wait for their turn again
    for (const g of manager.list()) if (g.status === 'member') this.#watch.watch(g.groupId)
    // Receipts still waiting at the last stop go now, after their delay (ADR 0780); the start
    // does not wait for the read of each group's newest texts.
    void manager.talk.resumeReceipts().catch((err: unknown) => {
      this.#ctx.log('group receipts kept at the last stop not resumed', err)
    })
  }

  async stop(): Promise<void> {
    // Receipts waiting for their delay are kept for the next start; those being sent finish first.
    const manager = await this.#manager?.catch(() => undefined)
    manager?.stop() // no leave committed after the stop (ADR 0138)
    const talk = manager?.talk
    await talk?.stop()
    await this.#watch.stop()
    // Texts the watch stored meanwhile had their receipt marked for the next start: written now,
    // before the store may close.
    await talk?.stop()
  }

  async has(groupId: string): Promise<boolean> {
    return (await this.#ready()).has(groupId)
  }

  /** A companion is in no group (it cannot join one): an empty list, nothing loaded. */
  async list(): Promise<GroupSummary[]> {
    if (this.#ctx.local.companion === true) return []
    return (await this.#ready()).list()
  }

  /**
   * The group `groupId` on this device, or undefined. On a linked companion it throws
   * `invalid_state` (COMPANION_NO_GROUPS) first, as every group step does: a sentence, not "no
   * such group".
   */
  async summary(groupId: string): Promise<GroupSummary | undefined> {
    return (await this.#ready()).summary(groupId)
  }

  /**
   * Reads the group mailbox, then the stored history (the newest), oldest first. A relay that says
   * "not now" (rate-limited, busy, full) does not hide the stored history: the live watch reads
   * again on its own, and the next call tries again.
   */
  async messages(groupId: string): Promise<GroupMessage[]> {
    await this.catchUp(groupId).catch((err: unknown) => {
      if (!(err instanceof MailboxError && err.retryable)) throw err
      this.#ctx.log('group read deferred: the relay said not now', err)
    })
    const records = await this.#ctx.store.pageGroupMessages(groupId, GROUP_API_LIMITS.maxMessages)
    const names = this.#names((await this.#ready()).talk.declaredNames(groupId))
    return records.map((r) => groupMessageView(r, names))
  }

  async rename(groupId: string, name: string): Promise<void> {
    await (await this.#ready()).rename(groupId, name)
  }

  async leave(groupId: string): Promise<void> {
    await (await this.#ready()).leave(groupId)
    await this.#watch.unwatch(groupId)
  }

  /** The members of a group as this device sees them. */
  async members(groupId: string): Promise<GroupMember[]> {
    const manager = await this.#ready()
    const names = this.#names(manager.talk.declaredNames(groupId))
    return manager.members(groupId).map((m) => groupMemberView(m, names))
  }

  /** Groups in which this device waits for its turn to commit a leave (ADR 0138; for tests). */
  async waitingLeaves(): Promise<string[]> {
    return (await this.#ready()).waitingLeaves()
  }

  /** Group events (joined, message, changed, removed, refused); returns the unsubscribe function. */
  onEvent(listener: (e: GroupManagerEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async create(name: string): Promise<string> {
    return (await this.#ready()).create(name)
  }

  async add(groupId: string, contactIds: readonly string[]): Promise<void> {
    await (await this.#ready()).addContacts(groupId, contactIds)
  }

  async send(groupId: string, text: string): Promise<GroupMessage> {
    const record = await (await this.#ready()).sendText(groupId, text)
    return groupMessageView(record, this.#names(new Map()))
  }

  /** Makes a member contact admin or not (admins only; ADR 0135). */
  async setAdmin(groupId: string, contactId: string, makeAdmin: boolean): Promise<void> {
    await (await this.#ready()).setAdmin(groupId, contactId, makeAdmin)
  }

  async remove(groupId: string, contactId: string): Promise<void> {
    await (await this.#ready()).removeContact(groupId, contactId)
  }

  async catchUp(groupId: string): Promise<void> {
    await (await this.#ready()).catchUp(groupId)
  }

  async state(groupId: string): Promise<Group> {
    return (await this.#ready()).stateOf(groupId)
  }

  /** A `group` body that arrived in `contact`'s 1:1 session (after its frame committed). */
  async receive(contact: ContactRecord, bytes: Uint8Array): Promise<void> {
    await (await this.#ready()).receive(contact.contactId, bytes)
  }

  /** Client events for what the manager announced; live delivery follows membership. */
  async #emit(e: GroupManagerEvent): Promise<void> {
    if (e.kind === 'refused') {
      // A peer's group step that every member skips (a non-admin's commit: `not_admin`, ADR 0135).
      this.#ctx.log(`group ${e.groupId.slice(0, 8)}: refused a step (${e.code})`)
      return
    }
    if (e.kind === 'message' || e.kind === 'system' || e.kind === 'delivery') {
      const declared = (await this.#manager)?.talk.declaredNames(e.groupId) ?? new Map()
      const message = groupMessageView(e.message, this.#names(declared))
      this.#ctx.emit({ type: 'group.message', message })
      return
    }
    if (e.kind === 'moved') {
      await this.#watch.unwatch(e.groupId)
      this.#watch.watch(e.groupId)
    }
    if (e.kind !== 'changed') return
    if (e.change === 'created' || e.change === 'joined') this.#watch.watch(e.groupId)
    if (e.change === 'removed' || e.change === 'left') void this.#watch.unwatch(e.groupId)
    const group = (await this.#manager)?.summary(e.groupId)
    if (group !== undefined)
      this.#ctx.emit({ type: 'group.changed', group, change: e.change, by: e.by })
  }

  async #subscribe(groupId: string, onPush: () => void) {
    const home = (await this.#ready()).homeOf(groupId)
    if (home === undefined) throw new Error('not a member of this group any more')
    const { client, creds } = groupMailboxClient(this.#deps, home)
    return client.subscribe(creds, onPush)
  }

  /** The manager; throws `invalid_state` on a linked companion, before any work or stored key. */
  async #ready(): Promise<GroupManager> {
    if (this.#ctx.local.companion === true)
      throw new ClientApiError('invalid_state', COMPANION_NO_GROUPS)
    this.#manager ??= this.#build()
    const manager = await this.#manager
    await this.#refreshContacts()
    this.#noteKeyChanges(manager)
    return manager
  }

  /** Names for one group's views (ADR 0781). */
  #names(declared: ReadonlyMap<string, string>): GroupNames {
    const taken = [
      this.#ctx.local.displayName,
      ...[...this.#records.values()].map((c) => c.displayName),
    ]
    return {
      contact: (id) => this.#records.get(id),
      byKey: (keyId) => this.#byKey.get(keyId),
      declared,
      taken,
    }
  }

  /** A contact's pending key change: a line in each group it is in (once per change, ADR 0782). */
  #noteKeyChanges(manager: GroupManager): void {
    for (const c of this.#records.values()) {
      if (c.keyChange === null || c.blocked) continue
      const change = `${toBase64Url(c.identityPublicKey)}/${toBase64Url(c.keyChange.identityPublicKey)}`
      if (this.#keyChanges.has(change)) continue
      this.#keyChanges.add(change)
      const newKey = toBase64Url(c.keyChange.identityPublicKey)
      manager.talk.keyChanged(toBase64Url(c.identityPublicKey), newKey)
    }
  }

  async #refreshContacts(): Promise<void> {
    const map = new Map<string, string>()
    const held = new Map<string, string>()
    const records = new Map<string, ContactRecord>()
    const byKey = new Map<string, ContactRecord>()
    for (const c of await this.#ctx.store.listContacts()) {
      records.set(c.contactId, c)
      byKey.set(toBase64Url(c.identityPublicKey), c)
      if (c.keyChange !== null) byKey.set(toBase64Url(c.keyChange.identityPublicKey), c)
      if (c.blocked) continue
      if (c.keyChange === null) map.set(toHex(c.identityPublicKey), c.contactId)
      else {
        held.set(toHex(c.identityPublicKey), c.contactId)
        held.set(toHex(c.keyChange.identityPublicKey), c.contactId)
      }
    }
    this.#contacts = map
    this.#held = held
    this.#records = records
    this.#byKey = byKey
  }

  async #build(): Promise<GroupManager> {
    const { platform, local, store } = this.#ctx
    const suite = await loadSuite()
    const signing = await groupSigningKey(this.#ctx)
    const credential = issueMemberCredential(local.identity, local.cert, signing.publicKey)
    const manager = new GroupManager({
      suite,
      checker: new CredentialChecker(platform.clock),
      now: platform.clock,
      random: platform.random,
      store,
      signingSecret: signing.secretKey,
      newKeyPackage: () => createKeyPackage(suite, credential, signing),
      sendToContact: (contactId, bytes, opts) =>
        sendGroupBody(this.#ctx, this.#deps, contactId, bytes, opts),
      contactOfIdentity: (key) => this.#contacts.get(toHex(key)),
      heldOfIdentity: (key) => this.#held.get(toHex(key)),
      createMailbox: () => createGroupMailbox(this.#ctx, this.#deps),
      mailboxPort: (home) => {
        const { client, creds } = groupMailboxClient(this.#deps, home)
        return { ...groupMailboxPort(client, creds), entryKey: groupEntryKey(home.authSecret) }
      },
      onEvent: (e) => {
        for (const l of this.#listeners) l(e)
      },
      ownName: () => this.#ctx.local.displayName,
      ...(this.#deps.receipts === undefined ? {} : { receipts: this.#deps.receipts }),
      log: (m, e) => this.#ctx.log(m, e),
    })
    await this.#refreshContacts()
    await manager.restore()
    return manager
  }
}
