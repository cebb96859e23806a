import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isProtocolError } from '../wire/errors.ts'
import {
  INVITE_POLICY,
  bindInvite,
  createdAtOf,
  inviteMailboxOf,
  inviteState,
} from './invite-lifecycle.ts'
import type { LocalSecrets, PendingInvite } from './secrets.ts'

const T = 1_800_000_000_000
const invite = (extra: Partial<PendingInvite> = {}): PendingInvite => ({
  mailboxId: 'box',
  link: 'hestia:invite/x',
  expiresAt: T,
  oneTimePrekeyId: 7,
  ...extra,
})
const secretsWith = (...invites: PendingInvite[]) => ({ invites }) as unknown as LocalSecrets

test('an invite is pending until expiry plus the 5-minute grace, then expired', () => {
  assert.equal(INVITE_POLICY.expiryGraceMs, 5 * 60_000)
  assert.equal(inviteState(invite(), T - 1), 'pending')
  assert.equal(inviteState(invite(), T + INVITE_POLICY.expiryGraceMs), 'pending')
  assert.equal(inviteState(invite(), T + INVITE_POLICY.expiryGraceMs + 1), 'expired')
  assert.equal(inviteState(invite({ withdrawn: true }), T - 1), 'withdrawn')
  assert.equal(inviteState(invite({ boundContactId: 'c' }), T - 1), 'bound')
})

test('frames in withdrawn or expired invite mailboxes are refused with a typed error', () => {
  assert.throws(
    () => inviteMailboxOf(secretsWith(invite({ withdrawn: true })), 'box', T - 1),
    (e: unknown) => isProtocolError(e, 'unknown_key'),
  )
  assert.throws(
    () => inviteMailboxOf(secretsWith(invite()), 'box', T + INVITE_POLICY.expiryGraceMs + 1),
    (e: unknown) => isProtocolError(e, 'expired'),
  )
  assert.equal(inviteMailboxOf(secretsWith(invite()), 'other', T), undefined)
  assert.deepEqual(inviteMailboxOf(secretsWith(invite()), 'box', T), {
    kind: 'pending',
    mailboxId: 'box',
    oneTimePrekeyId: 7,
  })
})

test('binding keeps the invite (read until the contact moved) and names the contact', () => {
  const s = secretsWith(invite(), invite({ mailboxId: 'other' }))
  bindInvite(s, 'box', 'contact-1')
  assert.deepEqual(inviteMailboxOf(s, 'box', T), {
    kind: 'bound',
    mailboxId: 'box',
    oneTimePrekeyId: 7,
    contactId: 'contact-1',
  })
  assert.equal(inviteState(s.invites[1]!, T), 'pending')
})

test('invites made before createdAt was kept date from their expiry', () => {
  assert.equal(createdAtOf(invite()), T - INVITE_POLICY.lifetimeMs)
  assert.equal(createdAtOf(invite({ createdAt: 5 })), 5)
})
