/**
 * The system notification for something new from a contact (issue 5): "New message" or "Incoming
 * call", "… from <name>" only when the user turned names on, never any message text. Raised by the
 * inbox for a contact's new message or ring, and by the own-device channel for a contact's message
 * our primary forwarded (issue 19, ADR 0790); a message of ours copied from another device of ours
 * raises none. A failing notifier is logged, never thrown.
 */
import type { Settings } from '../client/api.ts'
import type { ContactRecord } from '../store/records.ts'
import type { MessengerContext } from './context.ts'

export function notifyUser(
  ctx: Pick<MessengerContext, 'notifier' | 'log'>,
  settings: Pick<Settings, 'notifications'>,
  contact: Pick<ContactRecord, 'displayName'>,
  conversationId: string,
  what: 'message' | 'call' = 'message',
): void {
  const n = settings.notifications
  if (!n.enabled) return
  const subject = what === 'call' ? 'Incoming call' : 'New message'
  const title = n.showNames ? `${subject} from ${contact.displayName}` : subject
  try {
    ctx.notifier({ title, conversationId })
  } catch (err) {
    ctx.log('notifier failed', err)
  }
}
