// The file floor's arms (lib/raw-file-floor.ts) between two pages of one Chromium: every chunk
// arrives, authenticates and hashes to what the sender sealed, `stored` leaves one IndexedDB row
// per 512 KiB batch, the raw arm still counts afterwards, and a chunk altered on the way stops
// the run with the receiver's reason.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchBenchChromium, type BenchChromium } from './lib/chromium.ts'
import { openRawChannelPair } from './lib/raw-datachannel.ts'
import { prepareRawFileFloor } from './lib/raw-file-floor.ts'
import { startStaticServer } from './lib/static-server.ts'

const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><title>floor</title>'
/** Three batches and a bit: a short final chunk inside a short final batch. */
const ODD_BYTES = 3 * 512 * 1024 + 5_000
/** A whole number of batches: the final chunk is empty and gets a row of its own. */
const EVEN_BYTES = 2 * 1024 * 1024

let chromium: BenchChromium
let server: Awaited<ReturnType<typeof startStaticServer>>

before(async () => {
  server = await startStaticServer({ routes: { '/blank.html': BLANK_PAGE } })
  chromium = await launchBenchChromium()
})

after(async () => {
  await chromium?.close()
  await server?.close()
})

test('sealed and stored arms carry the whole file, then the raw arm counts as before', async () => {
  const pair = await openRawChannelPair(chromium.browser, server.url('/blank.html'))
  try {
    const floor = await prepareRawFileFloor(pair)
    for (const bytes of [ODD_BYTES, EVEN_BYTES]) {
      for (const arm of ['sealed', 'stored'] as const) {
        const run = await floor.run(arm, bytes)
        assert.equal(run.bytes, bytes)
        assert.ok(run.milliseconds > 0, `${arm} ${bytes}: took ${run.milliseconds} ms`)
      }
    }
    const raw = await pair.bulk(EVEN_BYTES)
    assert.equal(raw.bytes, EVEN_BYTES)
  } finally {
    await pair.close()
  }
})

test('a chunk altered on the way fails authentication on the receiver and stops the run', async () => {
  for (const arm of ['sealed', 'stored'] as const) {
    const pair = await openRawChannelPair(chromium.browser, server.url('/blank.html'))
    try {
      const floor = await prepareRawFileFloor(pair)
      await assert.rejects(
        floor.run(arm, EVEN_BYTES, { tamperChunk: 40 }),
        /chunk 40 failed authentication/,
      )
    } finally {
      await pair.close()
    }
  }
})
