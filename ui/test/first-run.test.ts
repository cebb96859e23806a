// First run and the about/security page: what a new user reads and can do.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { PROTECTION_SUMMARY } from '../src/lib/texts.ts'
import { SECURITY_MODEL } from '../src/lib/security-model.ts'

const noop = (): void => {}

describe('FirstRun', () => {
  test('explains in two sentences what is protected and what the relay sees', async () => {
    const view = await renderFile('components/FirstRun.svelte', { oncreate: noop, onabout: noop })
    assert.equal(PROTECTION_SUMMARY.length, 2)
    for (const sentence of PROTECTION_SUMMARY) assert.ok(view.text.includes(sentence), sentence)
    assert.match(PROTECTION_SUMMARY[0], /encrypt/i)
    assert.match(PROTECTION_SUMMARY[1], /relay/i)
    assert.ok(view.text.includes('How Hestia protects you, and its limits'))
  })

  test('cannot create an identity without a name', async () => {
    const view = await renderFile('components/FirstRun.svelte', { oncreate: noop, onabout: noop })
    const submit = view.find('button', { type: 'submit' })
    assert.ok(submit, 'a submit button')
    assert.ok(submit.has('disabled'), 'disabled while the name is empty')
    const input = view.find('input', { id: 'display-name' })
    assert.equal(input?.attrs.maxlength, '64')
    assert.ok(view.text.includes('Your name, as your contacts will see it'), 'labelled field')
  })

  test('error state shows the sentence for the error code', async () => {
    const view = await renderFile('components/FirstRun.svelte', {
      oncreate: noop,
      onabout: noop,
      error: { code: 'unavailable', message: 'port closed' },
    })
    assert.ok(view.text.includes(CLIENT_ERROR_TEXT.unavailable))
    assert.ok(!view.text.includes('port closed'), 'the detail is for bug reports, not people')
    assert.ok(view.find('p', { role: 'alert' }))
  })

  test('busy state says keys are being created and blocks a second submit', async () => {
    const view = await renderFile('components/FirstRun.svelte', {
      oncreate: noop,
      onabout: noop,
      busy: true,
    })
    assert.ok(view.text.includes('Creating your keys…'))
    assert.ok(view.find('button', { type: 'submit' })?.has('disabled'))
  })
})

describe('AboutSecurity', () => {
  test('shows every section of the security model, including limits', async () => {
    const view = await renderFile('components/AboutSecurity.svelte', { onback: noop })
    for (const section of SECURITY_MODEL) {
      assert.ok(view.text.includes(section.title), section.title)
      for (const point of section.points) assert.ok(view.text.includes(point), point)
    }
    assert.ok(view.text.includes('What the relay can see'))
    assert.ok(view.text.includes('Hestia is not Tor or I2P'))
    assert.ok(view.find('button', { 'aria-label': 'Back' }), 'a labelled back button')
  })
})
