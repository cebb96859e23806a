/**
 * A sent copy from our other device (kind 2, issue 19, ADR 0762): a text we sent to a contact
 * from there, filed here as sent by me under the same message id (a copy seen twice is stored
 * once); the contact's receipts and our other device's delivery states (kind 6) move it on. A
 * copy for a contact this device does not hold yet (on a companion, the primary's contact state,
 * kind 7, still in the mailbox while the copy came direct) waits for the contact and is filed
 * when it is stored (own-waiting.ts, ADR 0793).
 */
import type { ClientEvent } from '../../client/api.ts'
import type { MessageRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import { decodePayload } from '../payload.ts'
import { toBase64Url } from '../records.ts'
import { chatMessage, conversationSummary } from '../views.ts'
import { contactRef, waitingFrames } from './own-waiting.ts'
import { acceptSentCopy } from './sync.ts'

/** Files a sent copy; throws ProtocolError for one it refuses (not from our own identity). */
export async function fileSentCopy(ctx: MessengerContext, body: Uint8Array): Promise<void> {
  const { store, platform, local } = ctx
  const own = local.identity.publicKey
  const copy = acceptSentCopy(body, own, own)
  const payload = decodePayload(copy.payload)
  // Texts show as sent by me; other payloads (receipts, controls) are not copied (not built).
  if (payload.body.kind !== 'text') return
  const text = payload.body.text
  const messageId = toBase64Url(payload.messageId)
  const events: ClientEvent[] = []
  await store.transaction(async (tx) => {
    const contact = await tx.getContactByIdentityKey(toBase64Url(copy.peerIdentityKey))
    if (contact === undefined) {
      // Kept in this transaction: the one storing the contact commits after it (ADR 0793).
      const again = () => fileSentCopy(ctx, body)
      const ref = contactRef(copy.peerIdentityKey)
      waitingFrames(ctx).keep(ref, `2:${messageId}`, 0, again, body.length)
      return
    }
    const conv = await tx.getConversationByContact(contact.contactId)
    if (conv === undefined) return
    const now = platform.clock()
    const m: MessageRecord = {
      messageId,
      conversationId: conv.conversationId,
      direction: 'out',
      senderDeviceId: null,
      body: { kind: 'text', text },
      sentAt: payload.sentAt,
      receivedAt: now,
      delivery: 'sent',
      failure: null,
      readAt: null,
    }
    if (!(await tx.addMessage(m))) return
    const updated = { ...conv, lastMessageId: m.messageId, lastActivityAt: now }
    await tx.putConversation(updated)
    events.push({ type: 'message.added', message: chatMessage(m) })
    const summary = await conversationSummary(tx, updated)
    if (summary !== undefined) events.push({ type: 'conversation.updated', conversation: summary })
  })
  for (const e of events) ctx.emit(e)
}
