/** Client API area "messages": history pages, send, retry, mark read (domain: ../messages.ts). */
import type { HandlersFor } from '../../client/dispatch.ts'
import { markRead, pageMessages, retryMessage, sendText, type MessagesDeps } from '../messages.ts'
import type { Running } from './running.ts'

export function messageHandlers(
  running: Running<MessagesDeps>,
): HandlersFor<'messages.page' | 'messages.send' | 'messages.retry' | 'messages.markRead'> {
  return {
    'messages.page': async (r) =>
      pageMessages(await running(), r.conversationId, r.before, r.limit),
    'messages.send': async (r) => sendText(await running(), r.conversationId, r.text),
    'messages.retry': async (r) => retryMessage(await running(), r.conversationId, r.messageId),
    'messages.markRead': async (r) => markRead(await running(), r.conversationId, r.upTo),
  }
}
