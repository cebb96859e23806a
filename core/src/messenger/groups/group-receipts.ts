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
 *
 * A receipt still waiting when the messenger stops is not sent then (a group message sent while
 * the store closes could use an MLS generation the next start uses again): each text it names is
 * marked `receiptDue` in the store, and the next start sends it (`resume`); the mark goes once the
 * receipt is sent. A crash loses only receipts not yet marked.
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
  store: Pick<StoreOperations, 'getGroupMessage' | 'putGroupMessage' | 'pageGroupMessages'>
  /** Sends one receipt for `ids` of `groupId`; `to`: the senders (contact ids, null: not one). */
  send(groupId: string, ids: Uint8Array[], to: ReadonlySet<string | null>): Promise<void>
  log: (message: string, err?: unknown) => void
}

/**
 * Texts of one group looked at for a due receipt at start: the newest this many (the store's page
 * cap). Receipts wait at most 30 s, so only a group that got more texts than this in the last 30 s
 * before a stop can have a due one older than the page; that one stays a receipt short.
 */
export const RESUME_SCAN_MESSAGES = 500

export class GroupReceipts {
  readonly #io: GroupReceiptsIo
  readonly #batcher: ReceiptBatcher
  /** Per group: the sender (contact id, null: not a contact) of each waiting message id. */
  readonly #senders = new Map<string, Map<string, string | null>>()
  #stopped = false
  /** Message ids marked `receiptDue` in the store: the mark goes when their receipt is sent. */
  readonly #due = new Set<string>()
  /** Marks of texts stored after stop() (written for the next start); stop() waits for them. */
  readonly #marking = new Set<Promise<void>>()
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
    if (this.#stopped) {
      // Stored while the messenger stops: the next start sends its receipt. stop() (called again
      // once nothing more is stored) waits for this mark.
      const mark = this.#markDue([fromBase64Url(messageId)])
      this.#marking.add(mark)
      void mark.finally(() => this.#marking.delete(mark))
      return
    }
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
   * The start after a stop: receipts that were waiting then (their texts marked `receiptDue`) wait
   * again, with a new delay, for the groups this device is still a member of.
   */
  async resume(groupIds: Iterable<string>): Promise<void> {
    for (const groupId of groupIds) {
      const page = await this.#io.store.pageGroupMessages(groupId, RESUME_SCAN_MESSAGES)
      for (const m of page) {
        if (m.receiptDue !== true || m.outgoing || this.#stopped) continue
        this.#due.add(m.messageId)
        this.stored(groupId, m.messageId, m.senderContactId)
      }
    }
  }

  /**
   * Marks the texts of the receipts waiting for their delay `receiptDue` (sent at the next start)
   * and waits for those on their way. Not sent at a stop: a receipt is a group message, and one
   * sent while the store closes would use an MLS generation the next start uses again.
   */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.#batcher.stop()
    this.#senders.clear()
    while (this.#marking.size > 0) await Promise.allSettled([...this.#marking])
  }

  async #send(groupId: string, ids: Uint8Array[]): Promise<void> {
    if (this.#stopped) {
      await this.#markDue(ids)
      return
    }
    const senders = this.#senders.get(groupId)
    const to = new Set<string | null>()
    for (const id of ids) {
      const key = toBase64Url(id)
      to.add(senders?.get(key) ?? null)
      senders?.delete(key)
    }
    if (senders?.size === 0) this.#senders.delete(groupId)
    await this.#io.send(groupId, ids, to)
    await this.#setDue(
      ids.filter((id) => this.#due.delete(toBase64Url(id))),
      false,
    )
  }

  /** The receipt for `ids` is sent at the next start. */
  async #markDue(ids: readonly Uint8Array[]): Promise<void> {
    try {
      await this.#setDue(ids, true)
    } catch (err) {
      this.#io.log('group receipts not kept for the next start', err)
    }
  }

  async #setDue(ids: readonly Uint8Array[], due: boolean): Promise<void> {
    for (const id of ids) {
      const m = await this.#io.store.getGroupMessage(toBase64Url(id))
      if (m === undefined || (m.receiptDue === true) === due) continue
      const { receiptDue: _, ...rest } = m
      await this.#io.store.putGroupMessage(due ? { ...rest, receiptDue: true } : rest)
    }
  }
}
