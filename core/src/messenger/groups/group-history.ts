/**
 * A group's history as the GroupManager writes it: messages and system lines stored in the order
 * they were applied, each announced only after it (and every write before it) is stored, so a
 * listener reads what it was told; and the times that order the history.
 */
import { toBase64Url } from '../../crypto/bytes.ts'
import type { GroupMessageRecord, GroupSystemRecord } from '../../store/records.ts'
import type { GroupManagerEvent } from './group-manager.ts'
import type { GroupStore } from './group-records.ts'
import { systemRecord } from './group-events.ts'

export class GroupHistory {
  /** History writes, in order; a group is stored only after the writes before it. */
  private writes: Promise<unknown> = Promise.resolve()
  private lastStamp = 0
  private readonly store: GroupStore
  private readonly now: () => number
  private readonly random: (n: number) => Uint8Array
  private readonly onEvent: (e: GroupManagerEvent) => void

  constructor(io: {
    store: GroupStore
    now: () => number
    random: (n: number) => Uint8Array
    onEvent: (e: GroupManagerEvent) => void
  }) {
    this.store = io.store
    this.now = io.now
    this.random = io.random
    this.onEvent = io.onEvent
  }

  /** A stored message's time seen at restore: new ones come after it. */
  seen(at: number): void {
    this.lastStamp = Math.max(this.lastStamp, at)
  }

  /**
   * A history time for a new message: now, but always after the previous one, because history is
   * ordered by (receivedAt, messageId) and two messages in one millisecond must keep their order.
   */
  stamp(): number {
    this.lastStamp = Math.max(this.now(), this.lastStamp + 1)
    return this.lastStamp
  }

  /** Resolves once every write queued so far is done. */
  settled(): Promise<unknown> {
    return this.writes
  }

  /** Stores `message` after the writes before it; `announce` it (if new) once stored. */
  add(message: GroupMessageRecord, announce: GroupManagerEvent | undefined): Promise<boolean> {
    const stored = this.writes.then(() => this.store.addGroupMessage(message))
    this.writes = stored.catch(() => undefined)
    return stored.then(
      (added) => {
        if (added && announce !== undefined) this.onEvent(announce)
        return added
      },
      () => false,
    )
  }

  /**
   * A system line at this point of the history (`id`: fixed for a line that must not be stored
   * twice, e.g. one key change noticed again after a restart; else random).
   */
  line(groupId: string, system: GroupSystemRecord, id?: string): Promise<boolean> {
    const messageId = id ?? `s-${toBase64Url(this.random(16))}`
    const message = systemRecord(groupId, messageId, system, this.stamp())
    return this.add(message, { kind: 'system', groupId, message })
  }

  /** Runs `fn` after the writes before it (events wait for the history they describe). */
  after(fn: () => void | Promise<unknown>): Promise<void> {
    const next = this.writes.then(fn)
    this.writes = next.catch(() => undefined)
    return next.then(
      () => undefined,
      () => undefined,
    )
  }
}
