// Issue 14, finding 1 in real browsers: two Chromium profiles with the built extension (chrome-mv3
// test build). B sends A a file whose name is 200 characters long, through the chat UI. The name
// is longer than the conversation list's preview: before the fix the preview broke the client-API
// schema and neither side's list loaded. Now the file arrives, both conversation lists and both
// chats load through the client API (checked with the popup's own schema) and in the pages, and the
// file card and the list preview keep the real extension visible.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { CLIENT_LIMITS } from '../../core/src/client/api.ts'
import { droppedListItems, parseClientResponse } from '../../core/src/client/validate.ts'
import { openExtensionPair, type ExtensionPair } from '../bench/lib/extension-pair.ts'
import type { BenchExtensionPage } from '../bench/lib/extension-pair.ts'
import { acceptIncoming, offerThroughUi, waitForCompleted } from '../bench/lib/extension-files.ts'
import { tempDir, writeDeterministicFile } from '../integration/support/files-storage.ts'
import { waitUntil } from './support/messenger-browser.ts'

const STEP_MS = 30_000
const log = (line: string): void => console.log(`# ${line}`)
const artifacts = join(import.meta.dirname, '..', 'artifacts', 'hostile-values-e2e')

/** 200 characters: a stem of 196 and the real extension. */
const LONG_NAME = `${'quarterly-report-final-v2-'.repeat(8).slice(0, 196)}.pdf`

/** Both lists through the client API, checked with the schema the popup uses. */
async function listsLoad(side: BenchExtensionPage, conversationId: string): Promise<void> {
  const dropped = droppedListItems().count
  const list = parseClientResponse(
    'conversations.list',
    await side.request({ type: 'conversations.list', query: null }),
  )
  assert.ok(list.ok, `${side.name}'s conversation list loads`)
  const conversation = list.value.conversations.find((c) => c.conversationId === conversationId)
  assert.ok(conversation, `${side.name}'s list has the conversation`)
  const preview = conversation.lastMessage
  assert.equal(preview?.kind, 'file')
  assert.ok(preview.text.length <= CLIENT_LIMITS.previewMaxChars, 'the preview is shortened')
  assert.ok(preview.text.endsWith('.pdf'), `the preview keeps the extension: ${preview.text}`)
  const page = parseClientResponse(
    'messages.page',
    await side.request({ type: 'messages.page', conversationId, before: null, limit: 50 }),
  )
  assert.ok(page.ok, `${side.name}'s chat loads`)
  const file = page.value.messages.find((m) => m.body.kind === 'file')
  assert.ok(file?.body.kind === 'file' && file.body.name === LONG_NAME, 'the full name is stored')
  assert.equal(droppedListItems().count, dropped, 'no item was dropped from either answer')
}

describe('hostile values in the built extension', { timeout: 300_000 }, () => {
  let pair: ExtensionPair
  let dir: string

  before(async () => {
    dir = tempDir('hestia-hostile-values-e2e-')
    pair = await openExtensionPair({ log })
  })

  after(async (t) => {
    await mkdir(artifacts, { recursive: true })
    for (const side of [pair?.a, pair?.b]) {
      await side?.page
        .screenshot({ path: join(artifacts, `${side.name.toLowerCase()}-at-end.png`) })
        .catch((error: unknown) => t.diagnostic(`no screenshot of ${side.name}: ${String(error)}`))
    }
    await pair?.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('a 200-character file name is sent and received, and both lists still load', async () => {
    const { a, b } = pair
    assert.equal(LONG_NAME.length, 200)
    const path = join(dir, LONG_NAME)
    await writeDeterministicFile(path, 64 * 1024, 'long-name')
    const offered = await offerThroughUi(b, 'Alice', path)
    assert.equal(offered.name, LONG_NAME)
    const { transfer } = await acceptIncoming(a)
    assert.equal(transfer.name, LONG_NAME)
    await waitForCompleted(a, transfer.transferId, STEP_MS)

    await listsLoad(b, offered.conversationId)
    await listsLoad(a, transfer.conversationId)

    // What each user sees: the list rows render, and the file card shows the real extension. The
    // pages run under the build's CSP (default-src 'none', ADR 0304): the browser reports anything
    // it refused on the console.
    const refused: string[] = []
    for (const side of [a, b]) {
      side.page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text()))
          refused.push(`${side.name}: ${message.text()}`)
      })
    }
    for (const side of [a, b]) {
      await side.page.reload()
      const rows = side.page.getByTestId('conversation-row')
      await rows.first().waitFor({ state: 'visible', timeout: STEP_MS })
      const rowText = await rows.first().innerText()
      assert.match(rowText, /…[^…]*\.pdf/, `${side.name}'s list row shows the extension`)
      await rows.first().click()
      const extension = side.page.getByTestId('file-extension').first()
      await extension.waitFor({ state: 'visible', timeout: STEP_MS })
      assert.equal(await extension.innerText(), '.pdf')
      await waitUntil(
        `${side.name}'s file card in view`,
        async () => (await extension.boundingBox()) !== null,
        STEP_MS,
      )
    }
    // The contact page renders too (the name isolated, the safety number, the QR code as SVG).
    await a.page.getByRole('button', { name: 'Contact info and verification' }).click()
    await a.page.getByTestId('contact-info').waitFor({ state: 'visible', timeout: STEP_MS })
    // The page first shows "Loading contact…" while the record is read; wait for the name.
    await waitUntil(
      "Bob's name on the contact page",
      async () => /Bob/.test(await a.page.getByTestId('contact-info').innerText()),
      STEP_MS,
    )
    assert.deepEqual(refused, [], 'no page load or style was refused by the CSP')
  })
})
