// The one confirm block (Confirm.svelte) behind Settings → Devices and Settings → Passphrase: the
// sentence labels the group, the destructive button says what it does and is disabled while busy
// (a second click cannot start a second removal or erase), Cancel is always there.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRawSnippet } from 'svelte'
import { renderFile } from './support/render.ts'

const noop = (): void => undefined
const sentence = (text: string) =>
  createRawSnippet(() => ({ render: () => `<span>${text}</span>` }))

describe('the confirm block', () => {
  test('the sentence labels the group; the destructive button names the act; Cancel', async () => {
    const page = await renderFile('components/Confirm.svelte', {
      testid: 'erase-confirm',
      confirmLabel: 'Erase everything on this device',
      onconfirm: noop,
      oncancel: noop,
      children: sentence('Erase this device? It cannot be undone.'),
    })
    assert.ok(page.find('div', { role: 'group', 'aria-labelledby': 'erase-confirm-text' }))
    assert.equal(
      page.textWithin('p', 'id', 'erase-confirm-text'),
      'Erase this device? It cannot be undone.',
    )
    const buttons = page.elements('button')
    assert.deepEqual(
      buttons.map((b) => b.attrs['class']?.split(' ')[0]),
      ['danger', 'secondary'],
    )
    assert.ok(page.text.includes('Erase everything on this device'))
    assert.ok(page.text.includes('Cancel'))
    assert.ok(!buttons[0]!.has('disabled'))
  })

  test('busy: the destructive button is disabled, Cancel is not', async () => {
    const page = await renderFile('components/Confirm.svelte', {
      testid: 'device-confirm',
      confirmLabel: 'Remove this device',
      busy: true,
      onconfirm: noop,
      oncancel: noop,
      children: sentence('Remove it?'),
    })
    const [danger, cancel] = page.elements('button')
    assert.ok(danger!.has('disabled'))
    assert.ok(!cancel!.has('disabled'))
  })
})
