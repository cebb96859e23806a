/** Client API area "messages": history pages, send, retry, mark read (domain: ../messages.ts). */
import type { HandlersFor } from '../../client/dispatch.ts'
import { markRead, pageMessages, retryMessage, sendText, type MessagesDeps } from '../messages.ts'
import type { Running } from './running.ts'
import type { OwnChannel } from '../devices/own-channel.ts'

async function readOnOtherDevices(
  parts: MessagesDeps & { own: OwnChannel },
  conversationId: string,
  upTo: string,
): Promise<void> {
  try {
    const conv = await parts.ctx.store.getConversation(conversationId)
    const contact = conv && (await parts.ctx.store.getContact(conv.contactId))
    if (contact !== undefined) await parts.own.readUpTo(contact, upTo)
  } catch (err) {
    parts.ctx.log('read state not sent to our other devices', err)
  }
}

export function messageHandlers(
  running: Running<MessagesDeps & { own: OwnChannel }>,
): HandlersFor<'messages.page' | 'messages.send' | 'messages.retry' | 'messages.markRead'> {
  return {
    'messages.page': async (r) =>
      pageMessages(await running(), r.conversationId, r.before, r.limit),
    'messages.send': async (r) => sendText(await running(), r.conversationId, r.text),
    'messages.retry': async (r) => retryMessage(await running(), r.conversationId, r.messageId),
    'messages.markRead': async (r) => {
      const parts = await running()
      const res = await markRead(parts, r.conversationId, r.upTo)
      // Read here is read on our other devices too (ADR 0762); not awaited: no round trip.
      if (res.ok) void readOnOtherDevices(parts, r.conversationId, r.upTo)
      return res
    },
  }
}
