/**
 * One member's side of a group's delivery (ADR 0132, docs/protocol/groups.md "Delivery"): the
 * member's MLS state, its cursor in the group mailbox, and the ordering rule.
 *
 * - Commits go into the group mailbox as a compare-and-append: the deposit expects the id right
 *   after everything this member has read. If someone appended first, the relay refuses
 *   (`GroupSequenceMoved`); the member reads what is new (possibly another commit for its epoch,
 *   which then wins) and commits again what still makes sense. A stored commit was therefore made
 *   knowing everything before it: the committer adopts its own state at once.
 * - Readers apply, in mailbox order, a commit for their current epoch; anything that does not
 *   process (a hostile member's malformed commit, a commit for an epoch already left) is skipped
 *   by every member alike and changes nothing.
 * - Application messages go directly to online members (the caller's `direct`), and into the
 *   mailbox when someone was not reached. Duplicates (direct and mailbox) are dropped; a direct
 *   message from an epoch this member has not reached yet waits until it has caught up.
 *
 * Transport-free: the messenger adapts its mailbox client to `GroupMailboxPort`. Calls on one
 * channel run one after another.
 */
import { bytesEqual } from '../crypto/bytes.ts'
import { ProtocolError, isProtocolError } from '../wire/errors.ts'
import type { LeafCredentialCheck } from './credential.ts'
import { FRAME_KIND, decodeGroupFrame, encodeGroupFrame } from './framing.ts'
import { openEntry, sealEntry } from './entry-seal.ts'
import { cutIntoPieces, readPiece } from './mailbox-pieces.ts'
import { commitCheckFor, proposalCheckFor } from './roles-policy.ts'
import {
  commitChanges,
  createGroup,
  encryptMessage,
  epochOf,
  isActive,
  joinFromWelcome,
  membersOf,
  ownLeaf,
  pendingSelfRemoves,
  processMessage,
  proposeChange,
  senderLeafOf,
  type Group,
  type GroupChanges,
  type GroupExtension,
  type GroupSuite,
  type KeyPackageBundle,
  type MessageSender,
} from './mls.ts'

/** The group mailbox on the home relay, as the group layer needs it. */
export interface GroupMailboxPort {
  /**
   * Appends `bytes` (one padded piece). With `expectedId`, only if that is the id it gets; else
   * throws GroupSequenceMoved. Resolves with the id.
   */
  append(bytes: Uint8Array, expectedId?: bigint): Promise<bigint>
  /** Entries with ids above `afterId`, oldest first, a bounded batch; `more` if there are more. */
  read(afterId: bigint): Promise<{ entries: { id: bigint; bytes: Uint8Array }[]; more: boolean }>
  /** Seals entries for the members (ADR 0771; entry-seal.ts); absent: entries in clear. */
  readonly entryKey?: Uint8Array
}

/** The relay refused a compare-and-append: someone appended first. */
export class GroupSequenceMoved extends Error {
  override readonly name = 'GroupSequenceMoved'
  readonly nextId: bigint
  constructor(nextId: bigint) {
    super(`the group mailbox moved on; the next id is ${nextId}`)
    this.nextId = nextId
  }
}

export type GroupEvent =
  | {
      kind: 'message'
      data: Uint8Array
      epoch: bigint
      via: 'direct' | 'mailbox'
      sender: MessageSender
      /** The message's AEAD tag: the same for its direct and mailbox copies (a dedupe id). */
      tag: Uint8Array
    }
  /**
   * `committer`: the committer's leaf in the tree before the commit (undefined: unknown);
   * `leavers`: leaves (before it) it removed that had proposed their own removal (ADR 0138).
   */
  | {
      kind: 'commit'
      epoch: bigint
      mailboxId: bigint
      committer?: number | undefined
      leavers?: number[]
    }
  /** A member's proposal to remove itself, kept for whoever commits next (ADR 0138). */
  | { kind: 'proposal'; mailboxId: bigint }
  | { kind: 'removed'; mailboxId: bigint; committer?: number | undefined }
  | { kind: 'rejected'; mailboxId: bigint | undefined; code: string }

/** Sends a frame directly to the online members; says whether every other member was reached. */
export type DirectSend = (frame: Uint8Array) => Promise<{ allReached: boolean }>

export const CHANNEL_LIMITS = {
  /** Commits retried after losing a race before the caller hears of it. */
  maxCommitAttempts: 8,
  /** Direct messages from a later epoch kept until this member catches up. */
  maxEarlyMessages: 64,
  /** Message tags remembered to drop the mailbox copy of a message that came directly. */
  maxSeenMessages: 4096,
} as const

export class GroupChannel {
  private queue: Promise<unknown> = Promise.resolve()
  /** A catch-up queued behind other steps and not started yet, which later callers share. */
  private queuedRead: Promise<void> | undefined
  private readonly seen = new Set<string>()
  private early: Uint8Array[] = []
  /** The id the relay said the next deposit gets (only ahead of cursor + 1 if rows expired). */
  private knownNext = 0n
  /** Set while reading when the group moved to a new mailbox: read it from this cursor on. */
  private movedTo: bigint | undefined
  /**
   * A commit whose deposit failed with an error other than a lost race: the relay may have
   * stored it and only the answer was lost (review rg-6). This member cannot process its own
   * commit from the mailbox, so when it reads back exactly these bytes it adopts the state the
   * commit produced, and stays in the epoch every other member moves to.
   */
  private pendingCommit: { mls: Uint8Array; group: Group } | undefined

  private group: Group
  private cursor: bigint
  private readonly mailbox: GroupMailboxPort
  private readonly random: (n: number) => Uint8Array
  private readonly onEvent: (e: GroupEvent) => void

  private readonly settled: (() => Promise<void>) | undefined

  private constructor(group: Group, cursor: bigint, io: ChannelIo) {
    this.group = group
    this.cursor = cursor
    this.mailbox = io.mailbox
    this.random = io.random
    this.onEvent = io.onEvent
    this.settled = io.settled
  }

  /** A channel from stored state (GroupRecord): the group, its cursor and the relay's next id. */
  static restore(group: Group, cursor: bigint, knownNext: bigint, io: ChannelIo): GroupChannel {
    const channel = new GroupChannel(group, cursor, io)
    channel.knownNext = knownNext
    return channel
  }

  get knownNextId(): bigint {
    return this.knownNext
  }

  /**
   * The group moved to a new mailbox (the caller's port now reaches it): the rest of the old one
   * is not read; reading goes on in the new one after `cursor`. Called while an entry is applied
   * (a member read the move) or after this member appended the move itself.
   */
  moveTo(cursor: bigint): void {
    this.movedTo = cursor
  }

  static async create(
    suite: GroupSuite,
    checker: LeafCredentialCheck,
    groupId: Uint8Array,
    own: KeyPackageBundle,
    io: ChannelIo,
    extensions: readonly GroupExtension[] = [],
  ): Promise<GroupChannel> {
    const group = await createGroup(suite, checker, groupId, own, extensions)
    return new GroupChannel(group, 0n, io)
  }

  /** Joins from a welcome; `after` is the mailbox id of the commit that added us. */
  static async join(
    suite: GroupSuite,
    checker: LeafCredentialCheck,
    welcome: Uint8Array,
    own: KeyPackageBundle,
    after: bigint,
    io: ChannelIo,
  ): Promise<GroupChannel> {
    const frame = decodeGroupFrame(welcome)
    if (frame.kind !== FRAME_KIND.welcome) throw new ProtocolError('malformed', 'not a welcome')
    const group = await joinFromWelcome(suite, checker, frame.mls, own)
    return new GroupChannel(group, after, io)
  }

  get state(): Group {
    return this.group
  }

  get mailboxCursor(): bigint {
    return this.cursor
  }

  /**
   * Reads the group mailbox up to its end, applying what it holds in order. Callers that arrive
   * while a read is queued but not yet started share it (it will see everything they would): a
   * screen polling the group and the live watch cost the relay one read, not one each.
   */
  catchUp(): Promise<void> {
    if (this.queuedRead !== undefined) return this.queuedRead
    const read = this.serial(() => {
      this.queuedRead = undefined
      return this.readAll()
    })
    this.queuedRead = read
    return read
  }

  /**
   * Commits the changes `plan` returns for the current state (undefined: nothing left to do) and
   * orders the commit through the mailbox; re-plans after losing a race. Resolves with the welcome
   * frame for added members (undefined if none) and the commit's mailbox id, or undefined if the
   * plan had nothing left to do.
   */
  commit(
    plan: (group: Group) => GroupChanges | undefined,
  ): Promise<{ welcome: Uint8Array | undefined; mailboxId: bigint } | undefined> {
    return this.serial(async () => {
      for (let attempt = 0; attempt < CHANNEL_LIMITS.maxCommitAttempts; attempt++) {
        await this.readAll()
        if (!isActive(this.group)) throw new ProtocolError('wrong_key', 'no longer in the group')
        const changes = plan(this.group)
        if (changes === undefined) return undefined
        // The admin rule (ADR 0135): a commit others would refuse is not sent.
        const result = await commitChanges(this.group, changes, commitCheckFor(this.group))
        const piece = this.singlePiece(encodeGroupFrame(FRAME_KIND.commit, result.commit))
        try {
          const id = await this.mailbox.append(piece, this.expectedId())
          this.pendingCommit = undefined // decided: this commit is the epoch's
          const committer = ownLeaf(this.group)
          const leavers = leaversOf(this.group, result.group)
          this.group = result.group
          this.cursor = id
          const epoch = epochOf(this.group)
          this.onEvent({ kind: 'commit', epoch, mailboxId: id, committer, leavers })
          const welcome =
            result.welcome === undefined
              ? undefined
              : encodeGroupFrame(FRAME_KIND.welcome, result.welcome)
          return { welcome, mailboxId: id }
        } catch (err) {
          if (!(err instanceof GroupSequenceMoved)) {
            this.pendingCommit = { mls: result.commit, group: result.group }
            throw err
          }
          this.knownNext = err.nextId // someone came first: read it, then plan again
        }
      }
      throw new ProtocolError(
        'limit_exceeded',
        `the commit lost ${CHANNEL_LIMITS.maxCommitAttempts} races in a row; try again later`,
      )
    })
  }

  /**
   * Says in the group mailbox that this member leaves: a proposal to remove its own leaf, which
   * any member may commit (ADR 0138). Appended right after everything read, so it lands in the
   * epoch it was made for; re-made after losing a race.
   */
  proposeLeave(): Promise<void> {
    return this.serial(async () => {
      for (let attempt = 0; attempt < CHANNEL_LIMITS.maxCommitAttempts; attempt++) {
        await this.readAll()
        if (!isActive(this.group)) throw new ProtocolError('wrong_key', 'no longer in the group')
        const r = await proposeChange(this.group, { remove: ownLeaf(this.group) })
        const piece = this.singlePiece(encodeGroupFrame(FRAME_KIND.proposal, r.proposal))
        try {
          this.cursor = await this.mailbox.append(piece, this.expectedId())
          this.group = r.group
          return
        } catch (err) {
          if (!(err instanceof GroupSequenceMoved)) throw err
          this.knownNext = err.nextId
        }
      }
      throw new ProtocolError('limit_exceeded', 'the leave lost too many races; try again later')
    })
  }

  private expectedId(): bigint {
    return this.cursor + 1n > this.knownNext ? this.cursor + 1n : this.knownNext
  }

  /**
   * Encrypts `data` for the group after catching up, hands the frame to `direct` and puts it in
   * the mailbox unless every member was reached directly. Resolves with the frame.
   */
  send(data: Uint8Array, direct?: DirectSend): Promise<Uint8Array> {
    return this.serial(async () => {
      await this.readAll()
      if (!isActive(this.group)) throw new ProtocolError('wrong_key', 'no longer in the group')
      const r = await encryptMessage(this.group, data)
      this.group = r.group
      const frame = encodeGroupFrame(FRAME_KIND.application, r.message)
      this.remember(r.message)
      const reached = direct === undefined ? { allReached: false } : await direct(frame)
      if (!reached.allReached) await this.mailbox.append(this.singlePiece(frame))
      return frame
    })
  }

  /** An application frame that came directly from a member. */
  receiveDirect(frame: Uint8Array): Promise<void> {
    return this.serial(async () => {
      let decoded
      try {
        decoded = decodeGroupFrame(frame)
      } catch (err) {
        this.reject(undefined, err)
        return
      }
      if (decoded.kind !== FRAME_KIND.application) {
        // Handshakes are ordered by the mailbox only: one sent directly is not applied.
        this.onEvent({ kind: 'rejected', mailboxId: undefined, code: 'not_ordered' })
        return
      }
      if ((decoded.epoch ?? 0n) > epochOf(this.group)) {
        // From an epoch we have not reached: read the mailbox first, then try again.
        if (this.early.length < CHANNEL_LIMITS.maxEarlyMessages) this.early.push(decoded.mls)
        await this.readAll()
        return
      }
      await this.applyMessage(decoded.mls, undefined, 'direct')
    })
  }

  private async readAll(): Promise<void> {
    this.applyMove()
    for (;;) {
      const { entries, more } = await this.mailbox.read(this.cursor)
      let moved = false
      for (const e of entries) {
        if (e.id <= this.cursor) continue // a misbehaving relay repeating itself
        await this.applyEntry(e.id, e.bytes)
        this.cursor = e.id
        if ((moved = this.applyMove())) break
      }
      if (moved) continue
      if (!more || entries.length === 0) break
    }
    const waiting = this.early
    this.early = []
    for (const mls of waiting) await this.applyMessage(mls, undefined, 'direct')
  }

  private async applyEntry(id: bigint, bytes: Uint8Array): Promise<void> {
    let frame
    try {
      const piece = readPiece(bytes)
      // Group mailbox entries are whole frames (ADR 0133): the order is one deposit per frame.
      if (piece.count !== 1) throw new ProtocolError('malformed', 'a mailbox frame in pieces')
      const key = this.mailbox.entryKey
      frame = decodeGroupFrame(key === undefined ? piece.chunk : openEntry(key, piece.chunk))
    } catch (err) {
      this.reject(id, err)
      return
    }
    if (!isActive(this.group)) return
    if (frame.kind === FRAME_KIND.application) {
      await this.applyMessage(frame.mls, id, 'mailbox')
      return
    }
    if (frame.kind === FRAME_KIND.proposal && frame.epoch === epochOf(this.group)) {
      await this.applyProposal(id, frame.mls)
      return
    }
    if (frame.kind !== FRAME_KIND.commit || frame.epoch !== epochOf(this.group)) {
      // A proposal for an epoch already left, a welcome or key package in the wrong place, or
      // a commit for an epoch already left: the first commit for an epoch won.
      this.onEvent({ kind: 'rejected', mailboxId: id, code: 'not_for_this_epoch' })
      return
    }
    const pending = this.pendingCommit
    if (pending !== undefined && bytesEqual(pending.mls, frame.mls)) {
      this.pendingCommit = undefined
      this.adoptOwnCommit(id, pending.group)
      return
    }
    try {
      const committer = await senderLeafOf(this.group, frame.mls)
      // Every member applies the admin rule of the epoch before the commit (ADR 0135).
      const r = await processMessage(this.group, frame.mls, commitCheckFor(this.group))
      if (r.kind !== 'commit')
        throw new ProtocolError('malformed', 'a commit frame without a commit')
      const leavers = leaversOf(this.group, r.group)
      this.group = r.group
      this.onEvent(
        r.removed
          ? { kind: 'removed', mailboxId: id, committer }
          : { kind: 'commit', epoch: epochOf(this.group), mailboxId: id, committer, leavers },
      )
    } catch (err) {
      this.reject(id, err)
    }
  }

  /** Our own commit read back after its deposit's answer was lost: its state is the next one. */
  private adoptOwnCommit(id: bigint, next: Group): void {
    const committer = ownLeaf(this.group)
    const leavers = leaversOf(this.group, next)
    this.group = next
    this.onEvent({ kind: 'commit', epoch: epochOf(next), mailboxId: id, committer, leavers })
  }

  /** Only a member's proposal to remove itself is kept; every member refuses the rest alike. */
  private async applyProposal(id: bigint, mls: Uint8Array): Promise<void> {
    try {
      const check = commitCheckFor(this.group) // a commit in a proposal frame is still checked
      const r = await processMessage(this.group, mls, check, proposalCheckFor(this.group))
      if (r.kind !== 'proposal')
        throw new ProtocolError('malformed', 'a proposal frame without a proposal')
      this.group = r.group
      this.onEvent({ kind: 'proposal', mailboxId: id })
    } catch (err) {
      this.reject(id, err)
    }
  }

  private async applyMessage(
    mls: Uint8Array,
    id: bigint | undefined,
    via: 'direct' | 'mailbox',
  ): Promise<void> {
    if (this.seen.has(tagOf(mls))) return // the other copy of a message already read
    try {
      const r = await processMessage(this.group, mls)
      if (r.kind !== 'application') throw new ProtocolError('malformed', 'not application data')
      // MLS still opens a message for a recent epoch (in flight across a commit), but one whose
      // sender's leaf is gone from the tree now was written by a member removed (or gone) since:
      // read after that removal it would show them still posting, so it is refused (review rg-7).
      // In the mailbox's order it was deposited after the removal; a member still here is kept.
      if (r.epoch < epochOf(this.group) && !hasLeafNow(this.group, r.sender.signatureKey))
        throw new ProtocolError('wrong_key', 'a message from someone no longer in the group')
      // Remembered only once it processed: a corrupted copy with the same last 16 bytes (anyone
      // can cut them from a message they saw) must not make the genuine one a "duplicate".
      this.remember(mls)
      this.group = r.group
      const tag = mls.slice(-16)
      this.onEvent({ kind: 'message', data: r.data, epoch: r.epoch, via, sender: r.sender, tag })
    } catch (err) {
      this.reject(id, err)
    }
  }

  private applyMove(): boolean {
    if (this.movedTo === undefined) return false
    this.cursor = this.movedTo
    this.knownNext = 0n
    this.movedTo = undefined
    return true
  }

  /** Remembers a message by its AEAD tag (its last 16 bytes); false if it was seen before. */
  private remember(mls: Uint8Array): boolean {
    const tag = tagOf(mls)
    if (this.seen.has(tag)) return false
    if (this.seen.size >= CHANNEL_LIMITS.maxSeenMessages) {
      this.seen.delete(this.seen.values().next().value!)
    }
    this.seen.add(tag)
    return true
  }

  private reject(id: bigint | undefined, err: unknown): void {
    if (!isProtocolError(err)) throw err
    this.onEvent({ kind: 'rejected', mailboxId: id, code: err.code })
  }

  private singlePiece(frame: Uint8Array): Uint8Array {
    const key = this.mailbox.entryKey
    const entry = key === undefined ? frame : sealEntry(key, frame, this.random)
    const pieces = cutIntoPieces(entry, this.random(8))
    if (pieces.length !== 1) {
      throw new ProtocolError('oversize', 'a group mailbox frame must fit one deposit (ADR 0133)')
    }
    return pieces[0]!
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    // After each step, settled or failed, the caller stores the state it left (ChannelIo.settled).
    const step = async () => {
      try {
        return await fn()
      } finally {
        await this.settled?.()
      }
    }
    const run = this.queue.then(step, step)
    this.queue = run.catch(() => undefined)
    return run
  }
}

/** Whether a leaf of `group` has this signature key (the sender of a message is still here). */
function hasLeafNow(group: Group, signatureKey: Uint8Array): boolean {
  const key = signatureKey.join()
  return membersOf(group).some((m) => m.signatureKey.join() === key)
}

/** A message's AEAD tag (its last 16 bytes), hex: the dedupe key of its two copies. */
function tagOf(mls: Uint8Array): string {
  return Array.from(mls.subarray(-16), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Leaves of `before` that proposed their own removal and are gone in `after` (ADR 0138). */
function leaversOf(before: Group, after: Group): number[] {
  const stays = new Set(membersOf(after).map((m) => m.signatureKey.join()))
  const at = new Map(membersOf(before).map((m) => [m.leaf, m.signatureKey.join()]))
  return pendingSelfRemoves(before).filter((leaf) => !stays.has(at.get(leaf) ?? ''))
}

export interface ChannelIo {
  mailbox: GroupMailboxPort
  random: (n: number) => Uint8Array
  onEvent: (e: GroupEvent) => void
  /** Runs after every step, inside the channel's order: stores the state (optional). */
  settled?: () => Promise<void>
}
