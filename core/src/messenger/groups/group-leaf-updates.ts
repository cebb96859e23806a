/**
 * When this device updates its own leaf in each group (post-compromise security, ADR 0136): after
 * it sent `maxMessages` messages or `maxAgeMs` passed since its last update (or since it joined),
 * whichever comes first. An update is an empty commit: a fresh leaf key and path, a new epoch. Only
 * a member's own update heals its leaf (a copy of its old state follows anyone else's commits).
 *
 * The count and the time are stored with the group (GroupRecord.leafUpdate), so restarts — an
 * extension's worker stops often — do not reset the clock.
 */
import type { GroupRecord } from '../../store/records.ts'

export interface LeafUpdatePolicy {
  maxMessages: number
  maxAgeMs: number
}

/** 7 days or 500 messages (ADR 0136). */
export const LEAF_UPDATE_POLICY: LeafUpdatePolicy = {
  maxMessages: 500,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
}

export type LeafUpdateState = NonNullable<GroupRecord['leafUpdate']>

export class LeafUpdates {
  readonly #policy: LeafUpdatePolicy
  readonly #now: () => number
  readonly #state = new Map<string, LeafUpdateState>()
  readonly #running = new Set<string>()

  constructor(now: () => number, policy: LeafUpdatePolicy = LEAF_UPDATE_POLICY) {
    this.#now = now
    this.#policy = policy
  }

  /** A group joined, created or restored (`stored`: its record's state; absent: from now). */
  track(groupId: string, stored?: LeafUpdateState): void {
    this.#state.set(groupId, stored ?? { at: this.#now(), sent: 0 })
  }

  /** What to store with the group. */
  stateOf(groupId: string): LeafUpdateState | undefined {
    return this.#state.get(groupId)
  }

  /** This device sent a message in the group. */
  sent(groupId: string): void {
    const s = this.#state.get(groupId)
    if (s !== undefined) this.#state.set(groupId, { ...s, sent: s.sent + 1 })
  }

  due(groupId: string): boolean {
    const s = this.#state.get(groupId)
    if (s === undefined) return false
    return s.sent >= this.#policy.maxMessages || this.#now() - s.at >= this.#policy.maxAgeMs
  }

  /** Our leaf got a fresh key (an update, or a commit of ours with a path). */
  updated(groupId: string): void {
    this.#state.set(groupId, { at: this.#now(), sent: 0 })
  }

  /** Runs `update` in the background when due, one at a time per group; a failure is logged. */
  whenDue(groupId: string, update: () => Promise<void>, log?: (m: string, e?: unknown) => void) {
    if (!this.due(groupId) || this.#running.has(groupId)) return
    this.#running.add(groupId)
    void update()
      .catch((err: unknown) => log?.('group: leaf update failed; tried again later', err))
      .finally(() => this.#running.delete(groupId))
  }
}
