// Contact info and verification: safety number, verification QR, key change, blocked.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import type { ContactInfo } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { fixture } from './support/fixtures.ts'
import { AppState } from '../src/lib/app-state.ts'

const noop = (): void => {}
const base = {
  onverify: () => Promise.resolve(),
  onaccept: noop,
  onkeepold: noop,
  onallownewkeys: noop,
  onblocked: noop,
  onrename: noop,
  ondelete: noop,
  onback: noop,
  onretry: noop,
}

async function infoOf(key: string): Promise<ContactInfo> {
  const { client } = fixture({ longHistory: 10 })
  const res = await client.request({ type: 'contact.info', contactId: `ct-${key}` })
  assert.ok(res.ok)
  return res.value
}

describe('ContactInfoView states', () => {
  test('loading and error', async () => {
    const loading = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'loading' },
    })
    assert.ok(loading.text.includes('Loading contact…'))
    const failed = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'error', error: { code: 'not_found', message: 'x' } },
    })
    assert.ok(failed.text.includes(CLIENT_ERROR_TEXT.not_found))
    assert.ok(failed.text.includes('Try again'))
  })

  test('safety number in twelve groups of five digits, and my code to be scanned', async () => {
    const info = await infoOf('bob')
    const view = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'ready', value: info },
    })
    const groups = view.elements('li').filter((li) => li.attrs['aria-label']?.startsWith('Group'))
    assert.equal(groups.length, 12)
    for (const group of info.safetyNumber) {
      assert.match(group, /^\d{5}$/)
      assert.ok(view.text.includes(group))
    }
    assert.ok(
      view.find('svg', {
        role: 'img',
        'aria-label': `Your verification code for ${info.contact.displayName} to scan`,
      }),
    )
    assert.ok(view.text.includes('Not verified'))
    const mark = view.elements('button').find((b) => b.attrs.class?.includes('primary'))
    assert.ok(view.text.includes('Mark as verified'))
    assert.ok(mark?.has('disabled'), 'only after confirming the comparison')
    assert.ok(view.text.includes(`I compared all 60 digits with ${info.contact.displayName}`))
  })

  test('key changed: the walk-through and the explicit accept', async () => {
    const info = await infoOf('carol')
    assert.equal(info.contact.trust, 'key_changed')
    const view = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'ready', value: info },
    })
    assert.ok(view.text.includes(`${info.contact.displayName}'s security key changed`))
    assert.ok(view.text.includes('Compare the new safety number below'))
    assert.ok(view.text.includes('Accept the new key without verifying'))
    assert.ok(view.text.includes('2 messages sent under the new key are held'))
    assert.ok(view.find('button', { 'data-testid': 'keep-old-key' }))
    // Verifying by digits shows both choices, never a one-click adoption.
    assert.ok(view.text.includes('They match: trust the new key'))
    assert.ok(view.text.includes('They do not match: keep the old key'))
    assert.ok(!view.text.includes('Mark as verified'))
  })

  test('blocked: no verification controls, an unblock action', async () => {
    const info = await infoOf('dmitri')
    assert.equal(info.contact.trust, 'blocked')
    const view = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'ready', value: info },
    })
    assert.ok(view.text.includes(`Unblock ${info.contact.displayName}`))
    assert.ok(!view.text.includes('Mark as verified'))
    assert.ok(!view.text.includes('Scan with camera'))
  })
})

describe('verification through the app state', () => {
  test('a matching scanned code verifies; a wrong one is refused with its sentence', async () => {
    const { client } = fixture({ longHistory: 10 })
    const app = new AppState(client)
    await app.loadIdentity()
    const contactId = client.controls.contactId('bob')
    await assert.rejects(app.verifyContact(contactId, 'qr', 'hestia:verify/wrong'), (error) => {
      assert.equal((error as { code?: string }).code, 'verification_mismatch')
      return true
    })
    const payload = client.controls.verificationPayloadOf(contactId)
    const contact = await app.verifyContact(contactId, 'qr', payload)
    assert.equal(contact.trust, 'verified')
    const row = app.visibleConversations().find((c) => c.contact.contactId === contactId)
    assert.equal(row?.contact.trust, 'verified')
  })

  test('keeping the old key deletes the held messages; allowing new keys again is offered', async () => {
    const { client } = fixture({ longHistory: 10 })
    const app = new AppState(client)
    await app.loadIdentity()
    const contactId = client.controls.contactId('carol')
    await app.keepOldKey(contactId)
    const res = await client.request({ type: 'contact.info', contactId })
    assert.ok(res.ok)
    assert.equal(res.value.contact.trust, 'unverified')
    assert.equal(res.value.contact.heldCount, 0)
    assert.equal(res.value.refusedKeys, 1)
    const page = await client.request({
      type: 'messages.page',
      conversationId: 'cv-carol',
      before: null,
      limit: 50,
    })
    assert.ok(page.ok)
    assert.ok(
      !page.value.messages.some((m) => m.body.kind === 'text' && /new laptop/.test(m.body.text)),
    )
    assert.ok(
      page.value.messages.some(
        (m) => m.body.kind === 'system' && m.body.event === 'new_key_refused',
      ),
    )
    const view = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'ready', value: res.value },
    })
    assert.ok(view.find('div', { 'data-testid': 'refused-keys' }))
    assert.ok(view.text.includes('Allow a new key again'))
  })

  test('re-verifying after a key change unblocks sending and releases the held messages', async () => {
    const { client } = fixture({ longHistory: 10 })
    const app = new AppState(client)
    await app.loadIdentity()
    const contactId = client.controls.contactId('carol')
    const conversationId = `cv-carol`
    const refused = await client.request({ type: 'messages.send', conversationId, text: 'hi' })
    assert.equal(refused.ok ? 'sent' : refused.error.code, 'key_changed')
    await app.verifyContact(contactId, 'safety_number', null)
    const sent = await client.request({ type: 'messages.send', conversationId, text: 'hi' })
    assert.ok(sent.ok)
    const page = await client.request({
      type: 'messages.page',
      conversationId,
      before: null,
      limit: 50,
    })
    assert.ok(page.ok)
    const released = page.value.messages.flatMap((m) =>
      m.body.kind === 'text' ? [m.body.text] : [],
    )
    assert.deepEqual(released.slice(-3, -1), [
      'Hi, it’s me on my new laptop',
      'Can you check the new key?',
    ])
  })
})

describe('ContactInfoView mailbox rotation (ADR 0755)', () => {
  test('offers "New mailbox now" with what it does, only when the host can rotate', async () => {
    const info = await infoOf('bob')
    const withRotate = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'ready', value: info },
      onrotatemailbox: () => Promise.resolve(),
    })
    assert.ok(withRotate.find('button', { 'data-testid': 'rotate-mailbox' }))
    assert.ok(withRotate.text.includes('replaced by a new one every week'))
    const without = await renderFile('components/ContactInfoView.svelte', {
      ...base,
      info: { status: 'ready', value: info },
    })
    assert.equal(without.text.includes('New mailbox now'), false)
  })
})
