/**
 * Deterministic fixture data for the fixture client: contacts in every trust state, a conversation
 * with a long history across many days, failed sends, file transfers. Everything derives from a
 * seed and a reference time, so two runs with the same inputs produce the same data.
 */
import { toString as bytesToString } from 'uint8arrays/to-string'
import type {
  ChatMessage,
  DeliveryState,
  FileTransfer,
  MessageBody,
  MessageDirection,
  Timestamp,
} from '../src/client/api.ts'

/** mulberry32: a tiny, well-known 32-bit PRNG. Fixtures only; never for keys. */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** A 128-bit id as base64url (22 characters), like the messenger's message ids. */
export function fixtureId(random: () => number): string {
  const bytes = new Uint8Array(16)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256)
  return bytesToString(bytes, 'base64url')
}

export interface FixtureContactSpec {
  key: string
  displayName: string
  verified: boolean
  keyChanged: boolean
  blocked: boolean
  /** Messages in the conversation history. */
  history: number
  /** Days the history spans, ending shortly before the reference time. */
  spanDays: number
  /** Trailing incoming messages left unread. */
  unread: number
  /** Trailing outgoing messages that failed. */
  failed: number
  /** The last message is this many minutes before the reference time. */
  endsMinutesAgo: number
}

export const FIXTURE_CONTACTS: readonly FixtureContactSpec[] = [
  {
    key: 'alice',
    endsMinutesAgo: 3,
    displayName: 'Alice Okafor',
    verified: true,
    keyChanged: false,
    blocked: false,
    history: 10_000,
    spanDays: 180,
    unread: 3,
    failed: 1,
  },
  {
    key: 'bob',
    endsMinutesAgo: 95,
    displayName: 'Bob Lindqvist',
    verified: false,
    keyChanged: false,
    blocked: false,
    history: 40,
    spanDays: 3,
    unread: 0,
    failed: 0,
  },
  {
    key: 'carol',
    endsMinutesAgo: 1560,
    displayName: 'Carol Mendes',
    verified: true,
    keyChanged: true,
    blocked: false,
    history: 25,
    spanDays: 10,
    unread: 1,
    failed: 0,
  },
  {
    key: 'dmitri',
    endsMinutesAgo: 12960,
    displayName: 'Dmitri Volkov',
    verified: false,
    keyChanged: false,
    blocked: true,
    history: 12,
    spanDays: 30,
    unread: 0,
    failed: 0,
  },
  {
    key: 'erin',
    endsMinutesAgo: 2,
    displayName: 'Erin Walsh',
    verified: false,
    keyChanged: false,
    blocked: false,
    history: 8,
    spanDays: 1,
    unread: 2,
    failed: 0,
  },
  {
    key: 'fatima',
    endsMinutesAgo: 300,
    displayName: 'Fatima Zahra',
    verified: true,
    keyChanged: false,
    blocked: false,
    history: 60,
    spanDays: 14,
    unread: 0,
    failed: 2,
  },
  {
    key: 'gus',
    endsMinutesAgo: 0,
    displayName: 'Gus',
    verified: false,
    keyChanged: false,
    blocked: false,
    history: 0,
    spanDays: 0,
    unread: 0,
    failed: 0,
  },
  {
    key: 'hiro',
    endsMinutesAgo: 4_320,
    displayName: 'Hiro Tanaka',
    verified: false,
    keyChanged: true,
    blocked: false,
    history: 30,
    spanDays: 20,
    unread: 0,
    failed: 1,
  },
  {
    key: 'ines',
    endsMinutesAgo: 43_200,
    displayName: 'Inês Carvalho',
    verified: true,
    keyChanged: false,
    blocked: true,
    history: 15,
    spanDays: 60,
    unread: 0,
    failed: 0,
  },
]

/**
 * Generated filler contacts (`extraContacts` option) for list performance work, e.g. the popup
 * benchmark's 100 conversations. Unverified, short histories, spread over the last weeks.
 */
export function fillerContact(index: number): FixtureContactSpec {
  return {
    key: `filler-${index}`,
    endsMinutesAgo: 30 + index * 97,
    displayName: `Contact ${String(index + 1).padStart(3, '0')}`,
    verified: index % 3 === 0,
    keyChanged: false,
    blocked: false,
    history: 5 + (index % 20),
    spanDays: 1 + (index % 7),
    unread: index % 4 === 0 ? 1 : 0,
    failed: 0,
  }
}

const WORDS = (
  'the a to and of in for on with at from by about as into like through after over between out ' +
  'against during without before under around among meeting tomorrow tonight lunch coffee train ' +
  'call later today weekend paper draft review garden book movie kids dinner walk rain sun idea ' +
  'plan trip station office code release bug fix test ship relay key message photo file ok yes ' +
  'no maybe thanks great sure sounds good see you soon 🙂 👍 🎉'
).split(' ')

const SPECIAL_TEXTS = [
  'Here is the link: https://example.org/some/very/long/path?with=query&and=more — not fetched',
  'Line one\nLine two\n\nLine four after a blank line',
  '<script>alert("this is text, not HTML")</script>',
  'Ünïcödé, 中文, العربية, עברית, emoji 👩‍👩‍👧‍👦',
  'A long message that goes on. '.repeat(40).trim(),
]

function sentence(random: () => number): string {
  if (random() < 0.03) return SPECIAL_TEXTS[Math.floor(random() * SPECIAL_TEXTS.length)] ?? ''
  const length = 1 + Math.floor(random() * (random() < 0.1 ? 60 : 14))
  const words: string[] = []
  for (let i = 0; i < length; i++) words.push(WORDS[Math.floor(random() * WORDS.length)] ?? '')
  const text = words.join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * A conversation's history, oldest first. Outgoing messages are read or delivered except the last
 * few: the very last outgoing ones are sent/queued, and the trailing `failed` ones failed.
 */
export function buildHistory(
  spec: FixtureContactSpec,
  conversationId: string,
  referenceTime: Timestamp,
  random: () => number,
): ChatMessage[] {
  const count = spec.history
  if (count === 0) return []
  const spanMs = spec.spanDays * 86_400_000
  const end = referenceTime - spec.endsMinutesAgo * 60_000
  const start = end - spanMs
  // Random gaps, scaled to fill the span exactly: bursts of chat with quiet nights between.
  const gaps: number[] = []
  for (let i = 0; i < count; i++) gaps.push(random() < 0.08 ? 40 + random() * 200 : random())
  const scale = spanMs / gaps.reduce((sum, gap) => sum + gap, 0)
  const messages: ChatMessage[] = []
  let time = start
  for (let i = 0; i < count; i++) {
    time += Math.max(1_000, Math.round((gaps[i] ?? 0) * scale))
    const at = Math.min(time, end - (count - i) * 1_000)
    const fromEnd = count - 1 - i
    const direction: MessageDirection =
      fromEnd < spec.failed
        ? 'out'
        : fromEnd < spec.failed + spec.unread
          ? 'in'
          : random() < 0.5
            ? 'in'
            : 'out'
    const body: MessageBody =
      i === 0
        ? { kind: 'system', event: 'contact_added' }
        : { kind: 'text', text: sentence(random) }
    messages.push({
      messageId: fixtureId(random),
      conversationId,
      direction: body.kind === 'system' ? 'in' : direction,
      body,
      sentAt: at,
      receivedAt: direction === 'in' ? at + Math.floor(random() * 2_000) : at,
      delivery: null,
      failure: null,
      readAt: null,
    })
  }
  // Delivery and read states, walking back from the newest message.
  let outgoingSeen = 0
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (message === undefined) continue
    const fromEnd = messages.length - 1 - i
    if (message.body.kind === 'system') continue
    if (message.direction === 'in') {
      message.readAt = fromEnd < spec.failed + spec.unread ? null : message.receivedAt + 60_000
      continue
    }
    if (fromEnd < spec.failed) {
      message.delivery = 'failed'
      message.failure = {
        code: 'peer_unreachable',
        message: 'No direct connection and the mailbox refused the deposit',
      }
      outgoingSeen++
      continue
    }
    const state: DeliveryState =
      outgoingSeen === 0 && spec.failed === 0 ? 'sent' : outgoingSeen < 4 ? 'delivered' : 'read'
    message.delivery = state
    message.readAt = state === 'read' ? message.sentAt + 120_000 : null
    outgoingSeen++
  }
  return messages
}

/** An incoming transfer part-way through and an outgoing one waiting for acceptance. */
export function buildTransfers(
  conversationId: string,
  referenceTime: Timestamp,
  random: () => number,
): { transfers: FileTransfer[]; messages: ChatMessage[] } {
  const incoming: FileTransfer = {
    transferId: fixtureId(random),
    conversationId,
    messageId: fixtureId(random),
    direction: 'in',
    name: 'holiday-video.mp4',
    size: 1_610_612_736,
    mimeType: 'video/mp4',
    state: 'transferring',
    route: 'direct',
    progress: {
      bytes: 654_311_424,
      total: 1_610_612_736,
      rateBytesPerSec: 23_500_000,
      etaSeconds: 41,
    },
    error: null,
    updatedAt: referenceTime - 1_000,
  }
  const outgoing: FileTransfer = {
    transferId: fixtureId(random),
    conversationId,
    messageId: fixtureId(random),
    direction: 'out',
    name: 'report-final (2).pdf',
    size: 2_457_600,
    mimeType: 'application/pdf',
    state: 'offered',
    route: null,
    progress: { bytes: 0, total: 2_457_600, rateBytesPerSec: 0, etaSeconds: null },
    error: null,
    updatedAt: referenceTime - 30_000,
  }
  const messages = [incoming, outgoing].map((transfer): ChatMessage => ({
    messageId: transfer.messageId,
    conversationId,
    direction: transfer.direction,
    body: {
      kind: 'file',
      transferId: transfer.transferId,
      name: transfer.name,
      size: transfer.size,
      mimeType: transfer.mimeType,
    },
    sentAt: transfer.updatedAt - 60_000,
    receivedAt: transfer.updatedAt - 60_000,
    delivery: transfer.direction === 'out' ? 'delivered' : null,
    failure: null,
    readAt: null,
  }))
  return { transfers: [incoming, outgoing], messages }
}
