/**
 * "Delivered to n of m" in groups (ADR 0780). A member that stored a group text acknowledges it
 * later, batched per group after a random 1–30 s delay (the rule of 1:1 receipts, ADR 0751): one
 * group `receipt` message names every text of that group it stored meanwhile. The receipt goes
 * directly to the senders it concerns when they are contacts online now, else into the group
 * mailbox (where every member can read it; each sender counts only what names its own texts).
 *
 * The sender counts a receipt only from a member that was in the group when the text was sent
 * (`recipients`, kept with the text), once per person, and only for its own texts: MLS names the
 * member who sent the receipt, so nobody can acknowledge for someone else.
 */
import { fromBase64Url, toBase64Url } from '../../crypto/bytes.ts'
import type { RandomSource } from '../../crypto/platform.ts'
import type { GroupMessageRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { ReceiptBatcher, type ReceiptDelay } from '../receipt-batcher.ts'

export interface GroupReceiptsIo {
  delay: ReceiptDelay
  random: RandomSource
  /** settings.delayReceipts (off: each receipt goes at once). */
  delayed: () => boolean
  store: Pick<StoreOperations, 'getGroupMessage' | 'putGroupMessage'>
  /** Sends one receipt for `ids` of `groupId`; `to`: the senders (contact ids, null: not one). */
  send(groupId: string, ids: Uint8Array[], to: ReadonlySet<string | null>): Promise<void>
  log: (message: string, err?: unknown) => void
}

export class GroupReceipts {
  readonly #io: GroupReceiptsIo
  readonly #batcher: ReceiptBatcher
  /** Per group: the sender (contact id, null: not a contact) of each waiting message id. */
  readonly #senders = new Map<string, Map<string, string | null>>()
  #stopped = false
  /** The receipt being counted now; the next waits for it. */
  #acks: Promise<unknown> = Promise.resolve()

  constructor(io: GroupReceiptsIo) {
    this.#io = io
    this.#batcher = new ReceiptBatcher({
      delay: io.delay,
      random: io.random,
      delayed: io.delayed,
      send: (groupId, ids) => this.#send(groupId, ids),
      log: io.log,
    })
  }

  /** A member's text was stored here: acknowledge it, later. */
  stored(groupId: string, messageId: string, sender: string | null): void {
    if (this.#stopped) return
    const senders = this.#senders.get(groupId) ?? new Map<string, string | null>()
    senders.set(messageId, sender)
    this.#senders.set(groupId, senders)
    this.#batcher.add(groupId, [fromBase64Url(messageId)])
  }

  /**
   * A receipt from the member `from` (identity key id) for `ids`: our texts among them that `from`
   * was sent count it once. Resolves with the texts whose delivery moved on.
   */
  acknowledged(
    groupId: string,
    from: string,
    ids: readonly Uint8Array[],
  ): Promise<GroupMessageRecord[]> {
    // One at a time: each reads a text's deliveredTo and writes it back, so two receipts read
    // together (one mailbox read hands several over) would otherwise lose one of the two.
    const turn = this.#acks.then(() => this.#acknowledge(groupId, from, ids))
    this.#acks = turn.catch(() => undefined)
    return turn
  }

  async #acknowledge(
    groupId: string,
    from: string,
    ids: readonly Uint8Array[],
  ): Promise<GroupMessageRecord[]> {
    const changed: GroupMessageRecord[] = []
    for (const id of new Set(ids.map(toBase64Url))) {
      const m = await this.#io.store.getGroupMessage(id)
      if (m === undefined || !m.outgoing || m.groupId !== groupId) continue
      if (!(m.recipients ?? []).includes(from) || (m.deliveredTo ?? []).includes(from)) continue
      const next = { ...m, deliveredTo: [...(m.deliveredTo ?? []), from] }
      if (await this.#io.store.putGroupMessage(next)) changed.push(next)
    }
    return changed
  }

  /**
   * Drops the receipts waiting for their delay and waits for those on their way. Not sent at a
   * stop: a receipt is a group message, and one sent while the store closes would use an MLS
   * generation the next start uses again. Those texts stay one receipt short at their senders.
   */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#senders.clear()
    await this.#batcher.stop()
  }

  async #send(groupId: string, ids: Uint8Array[]): Promise<void> {
    if (this.#stopped) return
    const senders = this.#senders.get(groupId)
    const to = new Set<string | null>()
    for (const id of ids) {
      const key = toBase64Url(id)
      to.add(senders?.get(key) ?? null)
      senders?.delete(key)
    }
    if (senders?.size === 0) this.#senders.delete(groupId)
    await this.#io.send(groupId, ids, to)
  }
}
