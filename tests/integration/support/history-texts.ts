/**
 * Texts written straight into a device's store, as the history tests (issue 19) seed a
 * conversation before a transfer reads it, and every message of a conversation read back.
 */
import { toBase64Url } from '@hestia/core/crypto/bytes.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import type { DeliveryState } from '@hestia/core/client/api.ts'
import type { MessageRecord } from '@hestia/core/store/records.ts'
import type { TestPeer } from './messenger-harness.ts'

export interface HistoryTextsOptions {
  /** The i-th text; `old ${i}` unless given. */
  text?: (i: number) => string
  /** When the first was sent (a day ago unless given); the next ones `stepMs` apart (1 s). */
  from?: number
  stepMs?: number
  /** The outgoing ones' delivery state ('read' unless given). */
  delivery?: DeliveryState
  /** Each one read 9 ms after it was stored (else none read). */
  read?: boolean
}

/**
 * `n` texts of `conversationId` with fresh ids: the first incoming, then outgoing and incoming
 * by turns, each stored 5 ms after it was sent.
 */
export function historyTexts(
  conversationId: string,
  n: number,
  opts: HistoryTextsOptions = {},
): MessageRecord[] {
  const from = opts.from ?? Date.now() - 86_400_000
  const step = opts.stepMs ?? 1000
  return Array.from({ length: n }, (_, i) => ({
    messageId: toBase64Url(p.random(16)),
    conversationId,
    direction: i % 2 === 0 ? 'in' : 'out',
    senderDeviceId: null,
    body: { kind: 'text', text: opts.text?.(i) ?? `old ${i}` },
    sentAt: from + i * step,
    receivedAt: from + i * step + 5,
    delivery: i % 2 === 0 ? null : (opts.delivery ?? 'read'),
    failure: null,
    readAt: opts.read === true ? from + i * step + 9 : null,
  }))
}

/** Stores `texts` on `peer`, 500 to a call; returns their ids. */
export async function storeTexts(peer: TestPeer, texts: MessageRecord[]): Promise<string[]> {
  for (let i = 0; i < texts.length; i += 500) await peer.store.addMessages(texts.slice(i, i + 500))
  return texts.map((m) => m.messageId)
}

/** Every message of a conversation on `peer`, straight from the store (newest first). */
export async function allMessages(
  peer: TestPeer,
  conversationId: string,
): Promise<MessageRecord[]> {
  const out: MessageRecord[] = []
  let before: { receivedAt: number; messageId: string } | null = null
  for (;;) {
    const page = await peer.store.pageMessages(conversationId, { before, limit: 500 })
    out.push(...page)
    const last = page.at(-1)
    if (last === undefined || page.length < 500) return out
    before = { receivedAt: last.receivedAt, messageId: last.messageId }
  }
}
