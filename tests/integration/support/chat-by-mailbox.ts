/**
 * Chat frames through the contact's mailbox only, for a test that uses a later frame as a barrier
 * for an earlier one: a frame that fell back to the mailbox (no direct connection at its turn)
 * can be overtaken by a later one that went direct, and "the marker arrived, so the frame before
 * it was judged" then passes with that frame still unread (review 11 F7). With both in the one
 * mailbox the receiver takes them in order.
 *
 * Every messenger in this process is affected (ChatStreams is patched on its prototype): each
 * direct send answers `unreachable`, as when no direct connection can be made, and the outbox
 * deposits the frame. Give the returned function back to undo it.
 */
import { DirectSendError } from '@hestia/core/messenger/chat-protocol.ts'
import { ChatStreams } from '@hestia/core/messenger/chat-stream.ts'

export function chatByMailboxOnly(): () => void {
  const { send } = Object.getOwnPropertyDescriptors(ChatStreams.prototype)
  ChatStreams.prototype.send = () =>
    Promise.reject(new DirectSendError('unreachable', 'chat by the mailbox only (test)'))
  return () => Object.defineProperty(ChatStreams.prototype, 'send', send)
}
