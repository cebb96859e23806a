/**
 * An in-memory group mailbox with the home relay's rule (ADR 0132): per-mailbox ids from 1, an
 * append with `expectedId` lands only if that is the id it gets, reads page after a cursor (at most
 * `pageSize` entries). Test-only; the real relay's stores pass the same rule in
 * relay-node/test-support/mailbox-store-compliance-group-order.ts.
 */
import { GroupSequenceMoved, type GroupMailboxPort } from '../src/groups/group-channel.ts'

export class MemoryGroupMailbox {
  readonly entries: { id: bigint; bytes: Uint8Array }[] = []
  refusals = 0
  /** Reads served, across every member's port. */
  reads = 0
  /** While set, reads wait for it before answering (a slow relay). */
  hold: Promise<void> | undefined

  private readonly pageSize: number

  constructor(pageSize = 4) {
    this.pageSize = pageSize
  }

  /** The port one member uses; `online()` false makes every call fail as an unreachable relay. */
  portFor(online: () => boolean = () => true): GroupMailboxPort {
    const reachable = () => {
      if (!online()) throw new Error('relay unreachable (offline)')
    }
    return {
      append: (bytes, expectedId) => {
        reachable()
        const next = BigInt(this.entries.length + 1)
        if (expectedId !== undefined && expectedId !== next) {
          this.refusals++
          return Promise.reject(new GroupSequenceMoved(next))
        }
        this.entries.push({ id: next, bytes: new Uint8Array(bytes) })
        return Promise.resolve(next)
      },
      read: (afterId) => {
        reachable()
        this.reads++
        const answer = () => {
          const after = this.entries.filter((e) => e.id > afterId)
          return { entries: after.slice(0, this.pageSize), more: after.length > this.pageSize }
        }
        return this.hold === undefined ? Promise.resolve(answer()) : this.hold.then(answer)
      },
    }
  }
}
