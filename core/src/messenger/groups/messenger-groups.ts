/**
 * The messenger's side of groups (issue 20): builds the GroupManager from the messenger's parts and
 * carries its 1:1 traffic in ChatPayload `group` bodies (docs/protocol/groups.md "Inside 1:1
 * sessions").
 *
 * - Invitations, KeyPackages and their requests are queued like any control payload (outbox,
 *   retried, through the contact's mailbox when the contact is offline).
 * - Application frames go only over an open direct connection (`sendDirect`); whoever is not
 *   reached reads the group mailbox.
 * - The group mailbox is created on our home relay through a throwaway link (ADR 0754), like our
 *   own mailboxes; every member reads and writes it through its own links.
 *
 * The device's MLS signing key lives for the messenger's run (group state is not persisted yet,
 * groups.md). Members map to contacts by the identity key in their credential; blocked contacts
 * and contacts with an unaccepted key change map to nobody (their frames are not accepted).
 */
import { toBase64Url, toHex } from '../../crypto/bytes.ts'
import { ed25519KeyPair, type KeyPair } from '../../crypto/primitives.ts'
import { CredentialChecker, issueMemberCredential } from '../../groups/credential.ts'
import { createKeyPackage, loadSuite, type Group } from '../../groups/mls.ts'
import {
  newMailboxCredentials,
  publicKeyFromSecret,
  type MailboxClient,
} from '../../mailbox/index.ts'
import type { ContactRecord } from '../../store/records.ts'
import { GROUP_API_LIMITS, type GroupMessage, type GroupSummary } from '../../client/api.ts'
import type { MessengerContext } from '../context.ts'
import { groupMailboxPort } from '../group-mailbox.ts'
import { queueControl } from '../outbox-rows.ts'
import { encodePayload } from '../payload.ts'
import { GroupManager, type GroupManagerEvent, type GroupMailboxHome } from './group-manager.ts'

export interface MessengerGroupsDeps {
  /** Sends a payload now over an open direct connection only; false when there is none. */
  sendDirect(contact: ContactRecord, payload: Uint8Array): Promise<boolean>
  kickOutbox(): void
  /** The client for a mailbox of ours on `relay` (its own throwaway link). */
  ownMailboxClient(relay: string, mailboxId: string): MailboxClient
  /** Our relays; the first is home. */
  relays(): string[]
}

export type { GroupManagerEvent } from './group-manager.ts'

export class MessengerGroups {
  readonly #ctx: MessengerContext
  readonly #deps: MessengerGroupsDeps
  #manager: Promise<GroupManager> | undefined
  /** identity key (hex) → contact id, refreshed before every group operation. */
  #contacts = new Map<string, string>()
  readonly #listeners = new Set<(e: GroupManagerEvent) => void>()
  /** Messages received per group, newest last, at most GROUP_API_LIMITS.maxMessages each. */
  readonly #received = new Map<string, GroupMessage[]>()

  constructor(ctx: MessengerContext, deps: MessengerGroupsDeps) {
    this.#ctx = ctx
    this.#deps = deps
    this.#listeners.add((e) => this.#keep(e))
  }

  async has(groupId: string): Promise<boolean> {
    return (await this.#ready()).has(groupId)
  }

  async list(): Promise<GroupSummary[]> {
    return (await this.#ready()).list()
  }

  /** Reads the group mailbox, then the messages received so far, oldest first. */
  async messages(groupId: string): Promise<GroupMessage[]> {
    await this.catchUp(groupId)
    return [...(this.#received.get(groupId) ?? [])]
  }

  #keep(e: GroupManagerEvent): void {
    if (e.kind !== 'message') return
    const list = this.#received.get(e.groupId) ?? []
    list.push({ text: e.text, via: e.via, receivedAt: this.#ctx.platform.clock() })
    if (list.length > GROUP_API_LIMITS.maxMessages) list.shift()
    this.#received.set(e.groupId, list)
  }

  /** Group events (joined, message, removed, refused); returns the unsubscribe function. */
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

  async send(groupId: string, text: string): Promise<void> {
    await (await this.#ready()).sendText(groupId, text)
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

  async #ready(): Promise<GroupManager> {
    this.#manager ??= this.#build()
    const manager = await this.#manager
    await this.#refreshContacts()
    return manager
  }

  async #refreshContacts(): Promise<void> {
    const map = new Map<string, string>()
    for (const c of await this.#ctx.store.listContacts()) {
      if (!c.blocked && c.keyChange === null) map.set(toHex(c.identityPublicKey), c.contactId)
    }
    this.#contacts = map
  }

  async #build(): Promise<GroupManager> {
    const { platform, local } = this.#ctx
    const suite = await loadSuite()
    const signing: KeyPair = ed25519KeyPair(platform.random)
    const credential = issueMemberCredential(local.identity, local.cert, signing.publicKey)
    return new GroupManager({
      suite,
      checker: new CredentialChecker(platform.clock),
      now: platform.clock,
      random: platform.random,
      newKeyPackage: () => createKeyPackage(suite, credential, signing),
      sendToContact: (contactId, bytes, opts) => this.#sendToContact(contactId, bytes, opts),
      contactOfIdentity: (key) => this.#contacts.get(toHex(key)),
      createMailbox: () => this.#createMailbox(),
      mailboxPort: (home) => this.#mailboxPort(home),
      onEvent: (e) => {
        for (const l of this.#listeners) l(e)
      },
    })
  }

  async #sendToContact(
    contactId: string,
    bytes: Uint8Array,
    opts: { directOnly: boolean },
  ): Promise<boolean> {
    const { store, platform } = this.#ctx
    const contact = await store.getContact(contactId)
    if (contact === undefined || contact.blocked || contact.keyChange !== null) return false
    const now = platform.clock()
    const payload = {
      messageId: platform.random(16),
      sentAt: now,
      body: { kind: 'group' as const, group: bytes },
    }
    if (opts.directOnly) return this.#deps.sendDirect(contact, encodePayload(payload))
    const queued = await store.transaction(async (tx) => {
      const conversation = await tx.getConversationByContact(contactId)
      if (conversation === undefined) return false
      await queueControl(tx, conversation.conversationId, payload, now)
      return true
    })
    if (queued) this.#deps.kickOutbox()
    return queued
  }

  async #createMailbox(): Promise<GroupMailboxHome> {
    const relay = this.#deps.relays()[0]
    if (relay === undefined) throw new Error('no relay to keep the group mailbox on')
    const creds = newMailboxCredentials(this.#ctx.platform.random)
    await this.#deps.ownMailboxClient(relay, toBase64Url(creds.mailboxId)).create(creds)
    return {
      relays: [relay],
      mailboxId: creds.mailboxId,
      authSecret: creds.authSecretKey,
      capability: creds.capability,
    }
  }

  #mailboxPort(home: GroupMailboxHome) {
    const relay = home.relays[0]!
    const client = this.#deps.ownMailboxClient(relay, toBase64Url(home.mailboxId))
    return groupMailboxPort(client, {
      mailboxId: home.mailboxId,
      authSecretKey: home.authSecret,
      authPublicKey: publicKeyFromSecret(home.authSecret),
      capability: home.capability,
    })
  }
}
