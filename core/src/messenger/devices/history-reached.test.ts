// The companion tells the primary it heard from a contact itself (kind 19, ADR 0790), so the
// primary stops forwarding that contact's messages. A "reached" whose deposit failed is said again
// at the contact's next message, not dropped for the rest of the run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ClientEvent } from '../../client/api.ts'
import type { MessengerContext } from '../context.ts'
import type { OwnLink } from '../secrets.ts'
import { HISTORY_FRAME_KIND, OwnHistory } from './history.ts'

const ben = { contactId: 'c-ben', identityKeyId: 'ben-key', identityPublicKey: new Uint8Array(32) }
/** Just what OwnHistory.onEvent reads on a companion. */
const companionCtx = {
  local: { companion: true },
  store: {
    getConversation: () =>
      Promise.resolve({ conversationId: 'conv-ben', contactId: ben.contactId }),
    getContact: () => Promise.resolve(ben),
  },
  log: () => undefined,
} as unknown as MessengerContext

const fromBen = (messageId: string) =>
  ({
    type: 'message.added',
    message: {
      messageId,
      conversationId: 'conv-ben',
      direction: 'in',
      body: { kind: 'text', text: 'hi' },
    },
  }) as unknown as ClientEvent

test('a reached frame whose deposit failed is sent again with the next message', async () => {
  const primary = { deviceId: 'primary' } as OwnLink
  const sent: number[] = []
  let fail = true
  const history = new OwnHistory({
    ctx: () => companionCtx,
    links: () => [primary],
    send: (_link, kind) => {
      if (fail) return Promise.reject(new Error('relay unreachable'))
      sent.push(kind)
      return Promise.resolve()
    },
  })
  await assert.rejects(history.onEvent(fromBen('m1')))
  fail = false
  await history.onEvent(fromBen('m2'))
  assert.deepEqual(sent, [HISTORY_FRAME_KIND.reached], 'said again once it could be')
  await history.onEvent(fromBen('m3'))
  assert.deepEqual(sent, [HISTORY_FRAME_KIND.reached], 'and then not again')
})
