// What the invitee reads when a short link's invite cannot be fetched or does not fit the link
// (ADR 0734, docs/protocol/messaging.md "What the invitee reads").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MailboxError } from '../mailbox/errors.ts'
import { ProtocolError } from '../wire/errors.ts'
import { InviteFetchError, InviteUsedError } from './invite.ts'
import { inviteRefused } from './invite-fetch.ts'

const code = (err: unknown): string => {
  const f = inviteRefused(err)
  return f.ok ? 'ok' : f.error.code
}
const fetchFailed = (cause: unknown) => new InviteFetchError(cause)

test('each refusal maps to the sentence the invitee should read', () => {
  assert.equal(code(new InviteUsedError()), 'invite_closed')
  assert.equal(code(fetchFailed(new MailboxError('unknown_mailbox'))), 'invite_closed')
  assert.equal(code(fetchFailed(new MailboxError('mailbox_expired'))), 'invite_closed')
  assert.equal(code(fetchFailed(new MailboxError('no_prekeys'))), 'invite_closed')
  assert.equal(code(fetchFailed(new MailboxError('bad_capability'))), 'invite_invalid')
  assert.equal(code(fetchFailed(new MailboxError('malformed'))), 'invite_invalid')
  assert.equal(
    code(fetchFailed(new Error('UnexpectedPeerError: unexpected peer'))),
    'invite_invalid',
  )
  assert.equal(code(fetchFailed(new MailboxError('rate_limited'))), 'peer_unreachable')
  assert.equal(code(fetchFailed(new Error('connect ECONNREFUSED 127.0.0.1:1'))), 'peer_unreachable')
  assert.equal(code(new ProtocolError('expired', 'invite expired')), 'invite_expired')
  assert.equal(code(new ProtocolError('wrong_key', 'not from this link')), 'invite_invalid')
  assert.equal(code(new ProtocolError('malformed', 'not base32')), 'invite_invalid')
})

test('the reason of an unreachable relay is in the detail', () => {
  const f = inviteRefused(fetchFailed(new Error('connect ECONNREFUSED 127.0.0.1:1')))
  assert.ok(!f.ok && /connection refused/.test(f.error.message), JSON.stringify(f))
})

test('anything else is a bug and is thrown, not shown as a bad invite', () => {
  assert.throws(() => inviteRefused(new TypeError('x is undefined')), TypeError)
})
