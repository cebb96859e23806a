/** Client API area "messages": history pages, send, retry, mark read (domain: ../messages.ts). */
import { ClientApiError } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerStore } from '../../store/store.ts'
import { markRead, pageMessages, retryMessage, sendText, type MessagesDeps } from '../messages.ts'
import type { Running } from './running.ts'
import { decodeSecrets } from '../secrets.ts'

export function messageHandlers(
  running: Running<MessagesDeps>,
): HandlersFor<'messages.page' | 'messages.send' | 'messages.retry' | 'messages.markRead'> {
  return {
    'messages.page': async (r) =>
      pageMessages(await running(), r.conversationId, r.before, r.limit),
    'messages.send': async (r) => {
      const parts = await running()
      await refuseIfReplaced(parts.ctx.store)
      return sendText(parts, r.conversationId, r.text)
    },
    'messages.retry': async (r) => {
      const parts = await running()
      await refuseIfReplaced(parts.ctx.store)
      return retryMessage(parts, r.conversationId, r.messageId)
    },
    'messages.markRead': async (r) => markRead(await running(), r.conversationId, r.upTo),
  }
}

/**
 * A device replaced by a restore elsewhere (ADR 0524) sends nothing: its contacts dropped its
 * sessions, so what it sent would be lost without a word.
 */
async function refuseIfReplaced(store: MessengerStore): Promise<void> {
  const identity = await store.getIdentity()
  if (identity !== undefined && decodeSecrets(identity.secretKeys).replaced !== undefined)
    throw new ClientApiError('device_replaced', 'this device was replaced by a restored backup')
}
