/**
 * Who commits a member's leave, and when (ADR 0138 "Who commits"): every member that reads a
 * leaver's proposal to remove itself may commit it, but they take turns so that normally one
 * commit is made. The members who stay are ranked by leaf index (every member sees the same tree
 * and the same pending proposals): the first commits at once, the n-th waits n steps plus a little
 * jitter, then commits only if nobody did (the commit reads the mailbox first: a leave already
 * committed leaves nothing to do). A first member who is offline costs the others one step each.
 *
 * Past `ranked` places the wait stops growing: those members spread over one more window of
 * `ranked` steps, so a large group whose first members are all away still commits within about
 * twice that, at the price of a possible race among them (the relay keeps one commit).
 */
import { membersOf, ownLeaf, pendingSelfRemoves, type Group } from '../../groups/mls.ts'

export interface LeaveCommitTiming {
  /** The wait between one rank and the next. */
  stepMs: number
  /** Up to this much more at random, so ranked waits do not line up with a slow network. */
  jitterMs: number
  /** Ranks that get a step of their own; the rest share one more window. */
  ranked: number
}

/**
 * 3 s a rank: a commit (0.1-0.3 s of CPU at 50-200 members, FINDINGS) and its round trip to the
 * relay fit with room on a loaded machine; five ranks, so a leave waits 15-30 s at the most.
 */
export const LEAVE_COMMIT_TIMING: LeaveCommitTiming = { stepMs: 3_000, jitterMs: 1_000, ranked: 5 }

/** This device's place among the members who stay (0: it commits at once). */
export function leaveCommitRank(group: Group): number {
  const leaving = new Set(pendingSelfRemoves(group))
  const own = ownLeaf(group)
  return membersOf(group).filter((m) => m.leaf < own && !leaving.has(m.leaf)).length
}

/** How long a member of `rank` waits before it commits a pending leave. */
export function leaveCommitDelay(
  rank: number,
  timing: LeaveCommitTiming,
  random: (n: number) => Uint8Array,
): number {
  if (rank === 0) return 0
  const b = random(4)
  const fraction = (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32
  const spread = rank < timing.ranked ? timing.jitterMs : timing.ranked * timing.stepMs
  return Math.min(rank, timing.ranked) * timing.stepMs + Math.floor(fraction * spread)
}

/** The waits of one device: at most one per group; none after stop() until start(). */
export class LeaveCommits {
  readonly #timing: LeaveCommitTiming
  readonly #random: (n: number) => Uint8Array
  readonly #log: (message: string, err?: unknown) => void
  readonly #waits = new Map<string, ReturnType<typeof setTimeout>>()
  /** Commits started by a wait and not settled yet, per group (still "waiting" to a caller). */
  readonly #running = new Map<string, number>()
  #stopped = false

  constructor(
    timing: LeaveCommitTiming,
    random: (n: number) => Uint8Array,
    log: (message: string, err?: unknown) => void,
  ) {
    this.#timing = timing
    this.#random = random
    this.#log = log
  }

  /**
   * A leave is pending in `group`: runs `commit` after this device's turn. A wait already running
   * for the group covers it (the commit takes every leave pending then).
   */
  schedule(groupId: string, group: Group, commit: () => Promise<void>): void {
    if (this.#stopped || this.#waits.has(groupId)) return
    if (pendingSelfRemoves(group).length === 0) return
    const delay = leaveCommitDelay(leaveCommitRank(group), this.#timing, this.#random)
    const wait = setTimeout(() => {
      this.#waits.delete(groupId)
      this.#running.set(groupId, (this.#running.get(groupId) ?? 0) + 1)
      commit()
        .catch((err: unknown) => this.#log('group: a leave not committed', err))
        .finally(() => {
          const left = (this.#running.get(groupId) ?? 1) - 1
          if (left > 0) this.#running.set(groupId, left)
          else this.#running.delete(groupId)
        })
    }, delay)
    this.#waits.set(groupId, wait)
  }

  /**
   * Groups with a wait running or its commit not settled yet (for tests: once a group is gone from
   * here, every commit this device will make for the leaves seen so far has reached the relay).
   */
  waiting(): string[] {
    return [...new Set([...this.#waits.keys(), ...this.#running.keys()])]
  }

  start(): void {
    this.#stopped = false
  }

  /** Drops the waits: a leave still pending at the next start is scheduled again then. */
  stop(): void {
    this.#stopped = true
    for (const wait of this.#waits.values()) clearTimeout(wait)
    this.#waits.clear()
  }
}
