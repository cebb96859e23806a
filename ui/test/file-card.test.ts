// The file card's words for the end of a transfer: where a received file went, and why one failed.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import type { FileTransfer } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { RECEIVED_FILE_SAVED } from '../src/lib/texts.ts'

function transfer(fields: Partial<FileTransfer>): FileTransfer {
  return {
    transferId: '0f'.repeat(16),
    conversationId: 'cv-1',
    messageId: 'm-1',
    direction: 'in',
    name: 'report.pdf',
    size: 2048,
    mimeType: 'application/pdf',
    state: 'completed',
    route: 'direct',
    progress: { bytes: 2048, total: 2048, rateBytesPerSec: 0, etaSeconds: null },
    error: null,
    updatedAt: 1,
    ...fields,
  }
}

const card = (t: FileTransfer) =>
  renderFile('components/FileCard.svelte', {
    name: t.name,
    size: t.size,
    transfer: t,
    onaction: () => {},
  })

describe('FileCard', () => {
  test('a received file says it was saved to Downloads, a sent one that it is done', async () => {
    const received = await card(transfer({}))
    assert.equal(received.textWithin('span', 'data-testid', 'transfer-state'), RECEIVED_FILE_SAVED)
    const sent = await card(transfer({ direction: 'out' }))
    assert.equal(sent.textWithin('span', 'data-testid', 'transfer-state'), 'Done')
  })

  test('a file another of our devices accepted names that device, with no action left', async () => {
    const elsewhere = await card(transfer({ state: 'elsewhere', takenBy: 'Ada on Firefox' }))
    assert.equal(
      elsewhere.textWithin('span', 'data-testid', 'transfer-state'),
      'Received on Ada on Firefox',
    )
    assert.ok(!elsewhere.text.includes(RECEIVED_FILE_SAVED))
    assert.ok(!/Accept|Decline|Pause|Cancel/.test(elsewhere.text), 'nothing to do here')
  })

  test('a file that failed its integrity check says it was altered and not saved', async () => {
    const failed = await card(
      transfer({
        state: 'failed',
        progress: { bytes: 1024, total: 2048, rateBytesPerSec: 0, etaSeconds: null },
        error: { code: 'integrity_failed', message: 'integrity: chunk 3 failed authentication' },
      }),
    )
    assert.ok(failed.text.includes(CLIENT_ERROR_TEXT.integrity_failed))
    assert.ok(!failed.text.includes('chunk 3'), 'the detail is for bug reports, not the user')
    assert.ok(!failed.text.includes(RECEIVED_FILE_SAVED))
  })

  test('a file being prepared says so and can be cancelled', async () => {
    const preparing = await card(
      transfer({
        direction: 'out',
        state: 'preparing',
        progress: { bytes: 0, total: 2048, rateBytesPerSec: 0, etaSeconds: null },
      }),
    )
    assert.equal(preparing.textWithin('span', 'data-testid', 'transfer-state'), 'Preparing')
    assert.ok(preparing.find('button', { 'aria-label': 'Cancel report.pdf' }))
  })
})
