/** Client API area "conversations": the conversation list (messages.ts holds the domain code). */
import { ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import { listConversations, type MessagesDeps } from '../messages.ts'
import type { Running } from './running.ts'

export function conversationHandlers(
  running: Running<Pick<MessagesDeps, 'ctx'>>,
): HandlersFor<'conversations.list'> {
  return {
    'conversations.list': async (r) =>
      ok({ conversations: await listConversations(await running(), r.query) }),
  }
}
