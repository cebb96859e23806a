/**
 * A line of a thread written by the messenger, not by a person: "contact added", "key changed",
 * "blocked", "Alice added a device". Stored as an incoming message without a sender device, made
 * the conversation's last activity, and pushed to the pages as `message.added` — one way for every
 * place that writes one (contacts, the inbox, a contact's device list).
 */
import type { ClientEvent, SystemEvent } from '../client/api.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import type { MessageRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { randomId } from './context.ts'
import { toBase64Url } from './records.ts'
import { chatMessage } from './views.ts'

export interface SystemLineOptions {
  now: number
  platform: CryptoPlatform
  /** Where the `message.added` event goes (sent once the transaction committed). */
  events: ClientEvent[]
  /**
   * A notice that must not count as unread (a contact's device change): stored as read. Default:
   * unread, as a change the user should see (a new contact, a key change).
   */
  read?: boolean
}

/**
 * Adds the line to the conversation, inside `tx`. Nothing is written when the conversation is gone
 * (deleted meanwhile); the line is returned when it was.
 */
export async function addSystemLine(
  tx: StoreOperations,
  conversationId: string,
  event: SystemEvent,
  o: SystemLineOptions,
): Promise<MessageRecord | undefined> {
  const conv = await tx.getConversation(conversationId)
  if (conv === undefined) return undefined
  const line: MessageRecord = {
    messageId: toBase64Url(randomId(o.platform)),
    conversationId,
    direction: 'in',
    senderDeviceId: null,
    body: { kind: 'system', event },
    sentAt: o.now,
    receivedAt: o.now,
    delivery: null,
    failure: null,
    readAt: o.read === true ? o.now : null,
  }
  await tx.addMessage(line)
  await tx.putConversation({ ...conv, lastMessageId: line.messageId, lastActivityAt: o.now })
  o.events.push({ type: 'message.added', message: chatMessage(line) })
  return line
}
