// Groups as the popup sees them (issue 20): the list, the open group's messages, and the
// actions (create with contacts, send, add, remove, leave). Screens only read it and call its
// methods, so each screen can be rendered from a state a test drove.
//
// The client API's group surface is growing while this is written (groups-core, issue 20): what
// it answers is read through `normalizeGroup` / `normalizeMessage`, which take the newer fields
// (status, members, canManage, sender) when present and fall back to what this device knows
// itself (it created the group, it added these contacts, it sent this text) when not. Until
// `group.message` / `group.changed` events arrive the open group is polled (ADR 0775).
import type {
  ClientErrorBody,
  ClientEvent,
  ContactId,
  GroupMessage,
  GroupSummary,
  MessengerClient,
} from '@hestia/core/client/api.ts'
import { GROUP_API_LIMITS } from '@hestia/core/client/api.ts'
import type { Loadable } from './app-state.ts'
import { call, errorBody } from './client-call.ts'
import { Box } from './reactive-box.ts'

/**
 * The list is read again this often as a safety net; changes arrive as `group.changed` events and
 * messages as `group.message` (ADR 0775). Nothing is polled per message: `groups.messages` reads
 * the group mailbox at the relay first.
 */
export const GROUP_LIST_POLL_MS = 30_000
/**
 * The open group is read again this often, a safety net under the node's live delivery: in the
 * three-browser test (run 4, 18:25) Firefox's node showed neither A's message nor its removal
 * within 45 s without it (ADR 0775).
 */
export const GROUP_OPEN_POLL_MS = 10_000
/**
 * Right after the browser starts, the host may answer before its messenger runs (`unavailable`,
 * or `timeout` while it starts): the list and the open group ask again this often, growing, a few
 * times, and once more when the node says it runs (`connectivity.changed`). Before, the list
 * waited for the 30 s poll: a browser back from a restart showed its groups 32-36 s late
 * (ADR 0775).
 */
export const GROUP_STARTING_RETRIES = 8
export const GROUP_STARTING_RETRY_MS = 250

/** Answers a starting host gives (asked again soon), not refusals. */
function starting(code: string): boolean {
  return code === 'unavailable' || code === 'timeout'
}

export type GroupStatus = 'active' | 'removed' | 'left'

export interface GroupMemberView {
  /** null: this device, or a member who is not a contact of ours. */
  contactId: ContactId | null
  self: boolean
  /** The node's name for the member (the contact's name), null when it has none. */
  name: string | null
  /** The member's key change is not accepted yet. */
  held: boolean
  /** The member's identity key id, when the node gives it (a stable key for the list). */
  keyId?: string | null
  /** As GroupSender.nameTag (a stranger named like a contact, ADR 0781). */
  nameTag?: string | null
}

export interface GroupView {
  groupId: string
  name: string
  memberCount: number
  status: GroupStatus
  /** May add and remove members (the creator; admins once the API has them). */
  canManage: boolean
  /** Members by contact, when known (the API's list, else the contacts added here). */
  members: GroupMemberView[]
}

export interface GroupSender {
  self: boolean
  contactId: ContactId | null
  /** The name the node gave, '' when none (the UI then uses the contact's name). */
  displayName: string
  /**
   * A member who is not a contact, named by what it declared (ADR 0781): shown marked as not in
   * the contacts, with `nameTag` when that name reads like a contact's.
   */
  stranger?: boolean
  nameTag?: string | null
}

/** A person in a system line, as shown. */
export interface GroupLinePerson {
  self: boolean
  /** The contact's name or the declared name; '' when unknown ("A member"). */
  name: string
  stranger: boolean
  nameTag: string | null
}

/** A line the messenger wrote: joins, removals, leaves, renames, key changes (ADR 0782). */
export interface GroupSystemView {
  kind: 'joined' | 'removed' | 'left' | 'renamed' | 'key_changed'
  member: GroupLinePerson
  by: GroupLinePerson | null
  name: string | null
}

export interface GroupLine {
  key: string
  text: string
  at: number
  /** null: the node did not say who sent it (an older API). */
  sender: GroupSender | null
  /** The sender's key changed and is not accepted: shown as held, not as theirs. */
  held: boolean
  /** Stable per person (the identity key id, else the contact), for the name's colour. */
  colourKey: string
  /** Set on a system line (no sender, no text of a member's). */
  system?: GroupSystemView | undefined
  /** Ours: delivered to `delivered` of `of` other members (ADR 0780). */
  delivery?: { delivered: number; of: number } | undefined
}

interface NodePerson {
  contactId?: ContactId | null
  name?: string | null
  keyId?: string | null
  nameTag?: string | null
}

function personOf(p: NodePerson | undefined): GroupLinePerson {
  if (p === undefined || (p.keyId === null && p.contactId == null))
    return { self: true, name: '', stranger: false, nameTag: null }
  const stranger = (p.contactId ?? null) === null && typeof p.name === 'string' && p.name !== ''
  return { self: false, name: p.name ?? '', stranger, nameTag: p.nameTag ?? null }
}

function systemOf(raw: unknown): GroupSystemView | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const s = raw as {
    kind: GroupSystemView['kind']
    member?: NodePerson
    by?: NodePerson
    name?: string
  }
  return {
    kind: s.kind,
    member: personOf(s.member),
    by: s.by === undefined ? null : personOf(s.by),
    name: s.name ?? null,
  }
}

/** The newer fields of a group summary, read only when the node sends them. */
interface NewerSummary {
  status?: GroupStatus
  canManage?: boolean
  members?: {
    contactId: ContactId | null
    self?: boolean
    name?: string | null
    held?: boolean
    keyId?: string | null
    nameTag?: string | null
  }[]
}
interface NewerMessage {
  messageId?: string
  /** This device sent it. */
  outgoing?: boolean
  /** null for our own; `name` null for a member who is not a contact. */
  sender?: {
    contactId?: ContactId | null
    name?: string | null
    displayName?: string
    keyId?: string | null
    self?: boolean
    nameTag?: string | null
  } | null
  system?: unknown
  delivery?: { delivered: number; of: number }
  held?: boolean
  /** The flat form of the same facts (as the store keeps them). */
  senderContactId?: ContactId | null
  senderName?: string
}

export function normalizeGroup(
  summary: GroupSummary,
  local: {
    created: boolean
    added: readonly ContactId[]
    removed: readonly ContactId[]
    /** What `groups.members` answered, when asked. */
    members?: NewerSummary['members']
  },
): GroupView {
  const newer = summary as GroupSummary & NewerSummary
  const status: GroupStatus =
    newer.status === 'removed' || newer.status === 'left' ? newer.status : 'active'
  const listed = local.members ?? newer.members
  const members: GroupMemberView[] = Array.isArray(listed)
    ? listed.map((m) => ({
        contactId: m.contactId ?? null,
        self: m.self === true,
        name: m.name ?? null,
        held: m.held === true,
        keyId: m.keyId ?? null,
        nameTag: m.nameTag ?? null,
      }))
    : [
        { contactId: null, self: true, name: null, held: false },
        ...local.added
          .filter((id) => !local.removed.includes(id))
          .map((contactId) => ({ contactId, self: false, name: null, held: false })),
      ]
  return {
    groupId: summary.groupId,
    name: summary.name,
    memberCount: summary.memberCount,
    status,
    canManage: status === 'active' && (newer.canManage ?? local.created),
    members,
  }
}

export function normalizeMessage(message: GroupMessage, index: number): GroupLine {
  const m = message as GroupMessage & NewerMessage
  const named =
    m.sender !== undefined || m.outgoing !== undefined || m.senderContactId !== undefined
  const self = m.outgoing === true || m.sender?.self === true
  const contactId = m.sender?.contactId ?? m.senderContactId ?? null
  const sender: GroupSender | null = named
    ? {
        self,
        contactId: self ? null : contactId,
        displayName: m.sender?.name ?? m.sender?.displayName ?? m.senderName ?? '',
        stranger: !self && contactId === null && (m.sender?.name ?? '') !== '',
        nameTag: m.sender?.nameTag ?? null,
      }
    : null
  return {
    key: m.messageId ?? `n${index}`,
    text: message.text,
    at: message.receivedAt,
    sender,
    held: m.held === true,
    colourKey: m.sender?.keyId ?? contactId ?? 'unknown',
    system: systemOf(m.system),
    delivery: m.delivery,
  }
}

export class GroupsState {
  readonly client: MessengerClient
  readonly #groups = new Box<Loadable<GroupView[]>>({ status: 'loading' })
  get groups(): Loadable<GroupView[]> {
    return this.#groups.value
  }
  set groups(value: Loadable<GroupView[]>) {
    this.#groups.value = value
  }
  /** The open group's messages, oldest first. */
  readonly #lines = new Box<Loadable<GroupLine[]>>({ status: 'loading' })
  get lines(): Loadable<GroupLine[]> {
    return this.#lines.value
  }
  set lines(value: Loadable<GroupLine[]>) {
    this.#lines.value = value
  }
  /** The last action that failed (create, send, add, remove, leave), shown until the next. */
  readonly #problem = new Box<ClientErrorBody | null>(null)
  get problem(): ClientErrorBody | null {
    return this.#problem.value
  }
  set problem(value: ClientErrorBody | null) {
    this.#problem.value = value
  }

  #openId: string | null = null
  /** What this device did itself, for nodes that do not report it yet. */
  readonly #created = new Set<string>()
  readonly #added = new Map<string, ContactId[]>()
  readonly #removed = new Map<string, ContactId[]>()
  /** Our own texts, for nodes whose message log holds only received ones. */
  readonly #sent = new Map<string, GroupLine[]>()
  #raw: GroupSummary[] = []
  /** `groups.members` answers per group (the open one is asked on open and on each change). */
  readonly #members = new Map<string, NewerSummary['members']>()
  #seq = 0
  #stopped = false
  /** The list's read in progress (with its retries while the host starts), and one queued after. */
  #listing: Promise<void> | undefined
  #listAgain: Promise<void> | undefined
  /** Set while the read waits to ask a starting host again: ends the wait. */
  #askNow: (() => void) | undefined

  constructor(client: MessengerClient) {
    this.client = client
  }

  /** Loads the list, follows events and polls; returns the stop function. */
  start(): () => void {
    this.#stopped = false
    const unsubscribe = this.client.subscribe((event) => this.#onEvent(event))
    void this.load()
    const timer = setInterval(() => void this.load(), GROUP_LIST_POLL_MS)
    const reread = setInterval(() => {
      if (this.#openId !== null) void this.loadMessages(this.#openId)
    }, GROUP_OPEN_POLL_MS)
    return () => {
      this.#stopped = true
      unsubscribe()
      clearInterval(timer)
      clearInterval(reread)
    }
  }

  /** The group with this id, or undefined. */
  group(groupId: string): GroupView | undefined {
    return this.groups.status === 'ready'
      ? this.groups.value.find((g) => g.groupId === groupId)
      : undefined
  }

  /**
   * Reads the group list, one read per page at a time: a call while the read waits to ask a
   * starting host again makes it ask now; a call while a request is out gets one more read after
   * it (shared by every such call). The start, the poll, events and actions never run retry loops
   * side by side.
   */
  load(): Promise<void> {
    if (this.#askNow !== undefined) {
      this.#askNow()
      return this.#listing!
    }
    if (this.#listing === undefined) {
      this.#listing = this.#readList().finally(() => {
        this.#listing = undefined
      })
      return this.#listing
    }
    this.#listAgain ??= this.#listing.then(() => {
      this.#listAgain = undefined
      return this.load()
    })
    return this.#listAgain
  }

  async #readList(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { groups } = await call(this.client, { type: 'groups.list' })
        this.#raw = groups
        this.#publish()
        return
      } catch (error) {
        const body = errorBody(error)
        if (this.groups.status !== 'ready') this.groups = { status: 'error', error: body }
        if (!starting(body.code) || attempt >= GROUP_STARTING_RETRIES || this.#stopped) return
        await new Promise<void>((resolve) => {
          const wait = setTimeout(resolve, GROUP_STARTING_RETRY_MS * (attempt + 1))
          this.#askNow = () => {
            clearTimeout(wait)
            resolve()
          }
        })
        this.#askNow = undefined
        if (this.#stopped) return // the page closed while it waited: nothing more is asked
      }
    }
  }

  #publish(): void {
    const newest = (g: GroupSummary): number =>
      (g as GroupSummary & { lastActivityAt?: number }).lastActivityAt ?? 0
    this.groups = {
      status: 'ready',
      value: [...this.#raw]
        .sort((x, y) => newest(y) - newest(x))
        .map((g) =>
          normalizeGroup(g, {
            created: this.#created.has(g.groupId),
            added: this.#added.get(g.groupId) ?? [],
            removed: this.#removed.get(g.groupId) ?? [],
            ...(this.#members.has(g.groupId) ? { members: this.#members.get(g.groupId) } : {}),
          }),
        ),
    }
  }

  /** Opens a group: its messages load now and are polled while it stays open. */
  open(groupId: string | null): void {
    if (this.#openId === groupId) return
    this.#openId = groupId
    this.problem = null
    this.lines = { status: 'loading' }
    if (groupId !== null) {
      void this.loadMessages(groupId)
      void this.loadMembers(groupId)
    }
  }

  /** Asks the node who is in the group; a node without `groups.members` keeps the local list. */
  async loadMembers(groupId: string): Promise<void> {
    try {
      const { members } = await call(this.client, { type: 'groups.members', groupId })
      this.#members.set(groupId, members)
      this.#publish()
    } catch {
      // Unsupported or not found: the list built from what this page did stays.
    }
  }

  /** Leaves the group (the others commit our removal); its history stays, read-only. */
  async leave(groupId: string): Promise<boolean> {
    this.problem = null
    try {
      await call(this.client, { type: 'groups.leave', groupId })
      await this.load()
      return true
    } catch (error) {
      this.problem = errorBody(error)
      return false
    }
  }

  async loadMessages(groupId: string): Promise<void> {
    const seq = ++this.#seq
    try {
      const { messages } = await call(this.client, { type: 'groups.messages', groupId })
      if (seq !== this.#seq || groupId !== this.#openId) return
      this.lines = { status: 'ready', value: this.#merge(groupId, messages) }
    } catch (error) {
      if (seq !== this.#seq || groupId !== this.#openId) return
      if (this.lines.status !== 'ready') this.lines = { status: 'error', error: errorBody(error) }
    }
  }

  /** The node's log with our own texts merged in by time, unless the node reports senders. */
  #merge(groupId: string, messages: GroupMessage[]): GroupLine[] {
    const lines = messages.map(normalizeMessage)
    if (lines.some((l) => l.sender !== null)) return lines
    const mine = this.#sent.get(groupId) ?? []
    return [...lines, ...mine].sort((a, b) => a.at - b.at)
  }

  /** Creates a group and asks each chosen contact to join; the new group's id, or null. */
  async create(name: string, contactIds: readonly ContactId[]): Promise<string | null> {
    this.problem = null
    try {
      const { groupId } = await call(this.client, { type: 'groups.create', name: name.trim() })
      this.#created.add(groupId)
      if (contactIds.length > 0) await this.add(groupId, contactIds)
      await this.load()
      return groupId
    } catch (error) {
      this.problem = errorBody(error)
      return null
    }
  }

  /** Asks contacts to join (each joins when its device answers). */
  async add(groupId: string, contactIds: readonly ContactId[]): Promise<boolean> {
    this.problem = null
    const batch = contactIds.slice(0, GROUP_API_LIMITS.maxAddAtOnce)
    try {
      await call(this.client, { type: 'groups.addMembers', groupId, contactIds: batch })
      const known = this.#added.get(groupId) ?? []
      this.#added.set(groupId, [...known.filter((id) => !batch.includes(id)), ...batch])
      this.#removed.set(
        groupId,
        (this.#removed.get(groupId) ?? []).filter((id) => !batch.includes(id)),
      )
      this.#publish()
      return true
    } catch (error) {
      this.problem = errorBody(error)
      return false
    }
  }

  async remove(groupId: string, contactId: ContactId): Promise<boolean> {
    this.problem = null
    try {
      await call(this.client, { type: 'groups.removeMember', groupId, contactId })
      this.#removed.set(groupId, [...(this.#removed.get(groupId) ?? []), contactId])
      await Promise.all([this.load(), this.loadMembers(groupId)])
      return true
    } catch (error) {
      this.problem = errorBody(error)
      return false
    }
  }

  /** Sends text; false (with `problem` set) when the node refused it. */
  async send(groupId: string, text: string): Promise<boolean> {
    this.problem = null
    const at = Date.now()
    let sent: GroupMessage | undefined
    try {
      sent = (await call(this.client, { type: 'groups.send', groupId, text })).message
    } catch (error) {
      this.problem = errorBody(error)
      return false
    }
    // The node returns our message as stored: it goes in as it is.
    if (sent !== undefined) {
      if (groupId === this.#openId) this.#append(sent)
      return true
    }
    const line: GroupLine = {
      key: `local-${at}-${this.#sent.get(groupId)?.length ?? 0}`,
      text,
      at,
      sender: { self: true, contactId: null, displayName: '' },
      held: false,
      colourKey: 'self',
    }
    this.#sent.set(groupId, [...(this.#sent.get(groupId) ?? []), line])
    if (groupId === this.#openId) await this.loadMessages(groupId)
    return true
  }

  /**
   * Adds one message to the open group's lines (once: the same id is not added twice); a message
   * already shown is replaced in place (its delivery moved on: "delivered to n of m").
   */
  #append(message: GroupMessage): void {
    if (this.lines.status !== 'ready') {
      void this.loadMessages(message.groupId)
      return
    }
    const line = normalizeMessage(message, this.lines.value.length)
    const at = this.lines.value.findIndex((l) => l.key === line.key)
    if (at >= 0) {
      const shown = this.lines.value[at]!
      if (line.delivery === undefined || shown.delivery?.delivered === line.delivery.delivered)
        return
      const value = [...this.lines.value]
      value[at] = { ...shown, delivery: line.delivery }
      this.lines = { status: 'ready', value }
      return
    }
    this.lines = { status: 'ready', value: [...this.lines.value, line] }
  }

  #onEvent(event: ClientEvent): void {
    if (event.type === 'connectivity.changed' && event.connectivity.nodeRunning) {
      // The messenger runs now: what a starting host could not answer is asked again at once.
      if (this.groups.status === 'error') void this.load()
      if (this.#openId !== null && this.lines.status === 'error')
        void this.loadMessages(this.#openId)
    } else if (event.type === 'group.changed') {
      const changed = event.group
      this.#raw = [...this.#raw.filter((g) => g.groupId !== changed.groupId), changed]
      this.#publish()
      if (changed.groupId === this.#openId) void this.loadMembers(changed.groupId)
    } else if (event.type === 'group.message' && event.message.groupId === this.#openId) {
      this.#append(event.message)
    }
  }
}
