/**
 * Every value a peer can get past our decoders must load in the UI. For each field a peer controls
 * (display name, text, sent_at, file name and type), this drives what the decoder accepts, at its
 * extremes and at random, through the store and the views into parseClientResponse, and requires
 * the answer to parse with no item dropped (docs/adr/0505).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { droppedListItems, parseClientResponse } from '../client/validate.ts'
import { encodeFileShare } from '../crypto/codecs.ts'
import { decodeOffer, encodeOffer } from '../files/codec.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import type { ContactRecord, MessageRecord } from '../store/records.ts'
import { PEER_VALUE_CAPS as CAPS, MAX_DATE_MS } from '../text/caps.ts'
import { graphemes } from '../text/clean.ts'
import { MESSENGER_LIMITS } from './limits.ts'
import { contactName } from './names.ts'
import { atPeerTime, decodePayload, encodePayload } from './payload.ts'
import { chatMessage, conversationSummary } from './views.ts'

const NOW = Date.UTC(2026, 11, 6)
const utf8 = new TextEncoder()
const RELAY =
  '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'

/** Strings of every kind a hostile client can encode: any code point, lone surrogates, graphemes. */
const anyString = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'grapheme-composite', maxLength }),
    fc.string({
      unit: fc.constantFrom(
        '\u202e',
        '\u2066',
        '\u200b',
        '\u200d',
        '\u0000',
        '\n',
        'a',
        '😀',
        '\u0301',
      ),
      maxLength,
    }),
  )

/** Names at and around the decoder's byte cap, plus random ones. */
const peerNames = fc.oneof(
  anyString(80),
  fc.constantFrom(
    'x'.repeat(MESSENGER_LIMITS.displayNameBytes),
    '😀'.repeat(MESSENGER_LIMITS.displayNameBytes / 4),
    ('e' + '\u0301'.repeat(60)).repeat(4),
    '\u202e'.repeat(200),
    '\u200b',
    '',
  ),
)

const peerTexts = fc.oneof(
  anyString(300),
  fc.constantFrom(
    'x'.repeat(CAPS.messageTextCodeUnits),
    '😀'.repeat(CAPS.messageTextCodeUnits / 2),
    '\ud800'.repeat(CAPS.messageTextCodeUnits),
  ),
)

const peerTimes = fc.oneof(
  fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER, MAX_DATE_MS, MAX_DATE_MS + 1, NOW, NOW + 1e12),
  fc.maxSafeNat(),
)

const peerFileNames = fc.oneof(
  anyString(300),
  fc.constantFrom('x'.repeat(CAPS.fileNameCodeUnits), '😀'.repeat(127) + '.', '.'.repeat(255)),
)

const share = { fileId: new Uint8Array(16).fill(1), key: new Uint8Array(32).fill(2), size: 10 }
const shareRecord = encodeFileShare({ ...share, ciphertextSha256: new Uint8Array(32).fill(3) })

/** What our decoders make of a value a peer sent, or undefined when they refuse it. */
function decoded<T>(decode: () => T): T | undefined {
  try {
    return decode()
  } catch (err) {
    if (err instanceof Error && err.name === 'ProtocolError') return undefined
    throw err
  }
}

test('whatever the decoders accept loads through store, views and the client API schema', async () => {
  const store = openMemoryStore()
  let n = 0
  await fc.assert(
    fc.asyncProperty(
      peerNames,
      peerTexts,
      peerTimes,
      peerFileNames,
      anyString(140),
      async (rawName, rawText, rawTime, rawFileName, rawMime) => {
        n += 1
        const id = (k: number) => new Uint8Array(16).fill(k).map((b, i) => (i === 0 ? n % 256 : b))
        const hello = decoded(() =>
          decodePayload(
            encodePayload({
              messageId: id(1),
              sentAt: rawTime,
              body: {
                kind: 'hello',
                hello: {
                  displayName: rawName,
                  relays: [RELAY],
                  mailboxId: new Uint8Array(32),
                  mailboxCapability: new Uint8Array(16),
                  mailboxSealKey: new Uint8Array(32),
                  reply: false,
                },
              },
            }),
          ),
        )
        const text = decoded(() =>
          atPeerTime(
            decodePayload(
              encodePayload({
                messageId: id(2),
                sentAt: rawTime,
                body: { kind: 'text', text: rawText },
              }),
            ),
            NOW,
          ),
        )
        const offer = decoded(() =>
          decodeOffer(
            encodeOffer({
              transferId: share.fileId,
              name: rawFileName,
              size: share.size,
              mimeType: rawMime,
              shareRecord,
            }),
          ),
        )
        // The decoders' own caps, stated once: over the cap is refused, under it is accepted.
        if (utf8.encode(rawName).length <= MESSENGER_LIMITS.displayNameBytes) assert.ok(hello)
        if (rawText.length <= CAPS.messageTextCodeUnits) assert.ok(text)
        if (rawText.length > CAPS.messageTextCodeUnits) assert.equal(text, undefined)

        const contactId = `c${n}`
        const conversationId = `v${n}`
        const messages: MessageRecord[] = []
        await store.transaction(async (tx) => {
          const name = hello?.body.kind === 'hello' ? hello.body.hello.displayName : 'never decoded'
          const contact: ContactRecord = {
            contactId,
            ...(await contactName(tx, name, `key${n}`)),
            identityPublicKey: new Uint8Array(32).fill(n % 256),
            identityKeyId: `key${n}`,
            verified: false,
            blocked: false,
            keyChange: null,
            relays: [RELAY],
            inboundMailboxId: null,
            outboundMailbox: null,
            addedAt: NOW,
            updatedAt: NOW,
          }
          assert.ok(graphemes(contact.displayName).length <= CAPS.displayNameGraphemes)
          await tx.putContact(contact)
          const base = {
            conversationId,
            direction: 'in' as const,
            senderDeviceId: 'd',
            receivedAt: NOW,
            delivery: null,
            failure: null,
            readAt: null,
          }
          if (text !== undefined && text.body.kind === 'text') {
            messages.push({
              ...base,
              messageId: `t${n}`,
              body: { kind: 'text', text: text.body.text },
              sentAt: text.sentAt,
              readAt: text.sentAt,
            })
          }
          if (offer !== undefined) {
            messages.push({
              ...base,
              messageId: `f${n}`,
              body: {
                kind: 'file',
                transferId: 'ab'.repeat(16),
                name: offer.name,
                size: offer.size,
                mimeType: offer.mimeType,
              },
              sentAt: atPeerTime({ messageId: id(3), sentAt: rawTime, body: text!.body }, NOW)
                .sentAt,
            })
          }
          for (const m of messages) await tx.addMessage(m)
          await tx.putConversation({
            conversationId,
            contactId,
            lastMessageId: messages.at(-1)?.messageId ?? null,
            lastActivityAt: NOW,
            unreadCount: messages.length,
          })
        })

        const before = droppedListItems().count
        const conversation = await store.getConversation(conversationId)
        const summary = await conversationSummary(store, conversation!)
        const page = await store.pageMessages(conversationId, { before: null, limit: 10 })
        // Over a Chrome runtime port the answers travel as JSON.
        const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify({ ok: true, value }))
        const list = parseClientResponse('conversations.list', wire({ conversations: [summary] }))
        const chat = parseClientResponse(
          'messages.page',
          wire({ messages: page.map(chatMessage), olderCursor: null }),
        )
        assert.equal(droppedListItems().count, before, droppedListItems().last ?? '')
        assert.ok(list.ok && list.value.conversations.length === 1)
        assert.ok(chat.ok && chat.value.messages.length === messages.length)
        for (const m of chat.value.messages) {
          for (const t of [m.sentAt, m.receivedAt, m.readAt ?? NOW]) {
            assert.ok(!Number.isNaN(new Date(t).getTime()), `time ${t}`)
            assert.ok(Math.abs(t - NOW) <= 400 * 86_400_000, `time ${t} outside the window`)
          }
        }
      },
    ),
    { numRuns: 150 },
  )
})
