/**
 * File transfer between two Node devices over libp2p WebRTC (node-datachannel on 127.0.0.1,
 * signalled through an in-process relay): byte-identical delivery with progress on both sides,
 * resume after a cut connection re-sending only what was in flight, a tampered chunk, decline,
 * pause/resume and cancel on both sides, disk full.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { chunkCount, FILE_LIMITS } from '@hestia/core/files/index.ts'
import {
  cutConnections,
  offerFile,
  startDevicePair,
  waitForState,
  waitUntil,
  type DevicePair,
} from './support/files-net.ts'
import { sha256OfFile } from './support/files-storage.ts'

const MiB = 1024 * 1024

describe('file transfer over direct WebRTC', { timeout: 180_000 }, () => {
  let pair: DevicePair
  before(async () => {
    pair = await startDevicePair({
      tuning: { retryFirstMs: 200, retryMaxMs: 1_000, progressEveryMs: 50 },
    })
  })
  after(async () => {
    await pair.stop()
  })

  test('a file arrives byte-identical, with progress on both sides', async () => {
    const size = 24 * MiB + 12_345
    const f = await offerFile(pair, size, 'identical')
    const offered = await pair.b.engine.get(f.transferId)
    assert.equal(offered?.state, 'offered')
    assert.equal(offered?.size, size)
    const t0 = performance.now()
    await pair.b.engine.accept(f.transferId)
    const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 60_000)
    const ms = performance.now() - t0
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(done.progress.bytes, size)
    await waitForState(pair.a, f.transferId, ['completed'], 5_000)
    const sink = pair.b.storage.sinks.get(f.transferId)!
    assert.equal(await sha256OfFile(sink.finalPath), f.sourceSha256)
    assert.ok(!existsSync(sink.partPath), 'the partial file was moved into place')
    // Both UIs saw bytes grow with a rate and a time left while it ran.
    for (const d of [pair.a, pair.b]) {
      const running = d.updates.filter(
        (u) => u.transferId === f.transferId && u.state === 'transferring',
      )
      const withRate = running.filter(
        (u) => u.progress.rateBytesPerSec > 0 && u.progress.etaSeconds !== null,
      )
      assert.ok(withRate.length > 0, `${d.name} showed a rate and time left`)
      const bytes = running.map((u) => u.progress.bytes)
      assert.deepEqual(
        bytes,
        [...bytes].sort((x, y) => x - y),
        `${d.name} progress never goes back`,
      )
      assert.ok(
        bytes.some((b) => b > 0 && b < size),
        `${d.name} showed intermediate progress`,
      )
    }
    // The receiver never wrote a byte that was not authenticated, and wrote each byte once.
    assert.equal(sink.bytesWritten, size)
    const mbps = size / 1e6 / (ms / 1000)
    console.log(
      `# ${(size / MiB).toFixed(1)} MiB in ${ms.toFixed(0)} ms: ${mbps.toFixed(1)} MB/s (both devices in one process)`,
    )
  })

  test('a slow disk on the receiver holds the sender back: never more than the window in flight', async () => {
    const size = 12 * MiB
    const f = await offerFile(pair, size, 'slow-disk')
    pair.b.storage.writeDelayMs = 40 // 512 KiB per 40 ms: about 13 MB/s at most
    try {
      await pair.b.engine.accept(f.transferId)
      const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 60_000)
      assert.equal(done.state, 'completed', JSON.stringify(done.error))
    } finally {
      pair.b.storage.writeDelayMs = 0
    }
    await waitForState(pair.a, f.transferId, ['completed'], 5_000)
    const streams = pair.a.engine.stats.filter((s) => s.transferId === f.transferId)
    const maxInFlight = Math.max(...streams.map((s) => s.maxInFlight ?? Infinity))
    assert.ok(maxInFlight <= FILE_LIMITS.windowChunks, `in flight at most ${maxInFlight} chunks`)
    // The window was actually used (the disk, not the network, was the bottleneck).
    assert.ok(maxInFlight > FILE_LIMITS.windowChunks / 2, `in flight at most ${maxInFlight} chunks`)
    assert.equal(
      await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
      f.sourceSha256,
    )
  })

  test('a cut connection resumes from the last verified chunk; only in-flight chunks are re-sent', async () => {
    const size = 32 * MiB + 777
    const total = chunkCount(size)
    const f = await offerFile(pair, size, 'resume')
    const servedBefore = pair.a.served.length
    await pair.b.engine.accept(f.transferId)
    await waitUntil(
      async () => ((await pair.b.engine.get(f.transferId))?.progress.bytes ?? 0) >= size / 2,
      60_000,
      'half of the file',
    )
    const verifiedAtCut = (await pair.b.engine.get(f.transferId))!.progress.bytes
    const cut = cutConnections(pair)
    assert.ok(cut > 0, 'there was a connection to cut')
    // The receiver notices, shows the interruption, and resumes by itself.
    const waiting = await waitForState(pair.b, f.transferId, ['waiting', 'completed'], 30_000)
    if (waiting.state === 'waiting') assert.equal(waiting.error?.code, 'peer_unreachable')
    const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 60_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(
      await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
      f.sourceSha256,
    )

    const attempts = pair.b.engine.stats.filter((s) => s.transferId === f.transferId)
    assert.ok(attempts.length >= 2, 'a second stream was opened')
    const resumedFrom = attempts[attempts.length - 1]!.resumeFrom
    assert.ok(
      resumedFrom * FILE_LIMITS.windowChunks >= 0 && resumedFrom * 16384 >= verifiedAtCut,
      'resumed at or after what was verified at the cut',
    )
    await waitUntil(
      () => pair.a.served.length >= servedBefore + 2,
      10_000,
      'both sender streams to end',
    )
    const streams = pair.a.engine.stats.filter(
      (s) => s.transferId === f.transferId && s.side === 'sender',
    )
    const chunksSent = streams.reduce((n, s) => n + s.chunksSent, 0)
    const resent = chunksSent - total
    assert.ok(resent >= 0)
    // Only chunks that were in flight (sent, not yet verified and persisted) can be sent twice.
    assert.ok(
      resent <= FILE_LIMITS.windowChunks,
      `re-sent ${resent} chunks, window is ${FILE_LIMITS.windowChunks}`,
    )
    const resentBytes = streams.reduce((n, s) => n + s.bytesSent, 0) - (size + 16 * total)
    // The receiver counted the same frames arriving (none lost, none extra).
    const arrived = attempts.reduce((n, s) => n + s.chunksSent, 0)
    assert.ok(
      arrived >= total && arrived <= chunksSent,
      `received ${arrived} of ${chunksSent} sent`,
    )
    console.log(
      `# cut at ${(verifiedAtCut / MiB).toFixed(1)} MiB verified; resumed from chunk ${resumedFrom}/${total}; re-sent ${resent} chunks = ${resentBytes} bytes of ${size}`,
    )
  })

  test('one tampered chunk is detected and the transfer fails cleanly on both sides', async () => {
    const size = 8 * MiB
    const f = await offerFile(pair, size, 'tamper')
    const tamperAt = 100
    let chunkFrames = 0
    pair.a.wrapInbound = (stream: Stream) => {
      const send = stream.send.bind(stream)
      stream.send = (data) => {
        // Frames go out as [varint length, SenderFrame]; a chunk frame ends with its ciphertext.
        if (data.byteLength > 16_000 && ++chunkFrames === tamperAt) {
          const bytes = data.subarray()
          bytes[bytes.length - 1]! ^= 0x01
          return send(bytes)
        }
        return send(data)
      }
      return stream
    }
    try {
      await pair.b.engine.accept(f.transferId)
      const failed = await waitForState(pair.b, f.transferId, ['failed', 'completed'], 30_000)
      assert.equal(failed.state, 'failed')
      assert.equal(failed.error?.code, 'integrity_failed', 'the UI says the file was altered')
      assert.match(failed.error?.message ?? '', /integrity: chunk \d+ failed authentication/)
      assert.ok(failed.progress.bytes < size)
      const sink = pair.b.storage.sinks.get(f.transferId)!
      await waitUntil(() => sink.discarded, 5_000, 'the partial file to be discarded')
      assert.ok(
        !existsSync(sink.partPath) && !existsSync(sink.finalPath),
        'nothing of the file is left',
      )
      const senderSide = await waitForState(pair.a, f.transferId, ['failed'], 5_000)
      assert.match(senderSide.error?.message ?? '', /integrity/)
    } finally {
      pair.a.wrapInbound = null
    }
  })

  test('the receiver declines: the sender sees it and a stream request is refused', async () => {
    const f = await offerFile(pair, 1 * MiB, 'decline')
    const t = await pair.b.engine.decline(f.transferId)
    assert.equal(t.state, 'declined')
    await waitForState(pair.a, f.transferId, ['declined'], 5_000)
    await assert.rejects(pair.b.engine.accept(f.transferId), {
      name: 'FileTransferError',
      code: 'invalid_state',
    })
  })

  test('the sender cancels its offer before it is accepted', async () => {
    const f = await offerFile(pair, 1 * MiB, 'cancel-offer')
    await pair.a.engine.cancel(f.transferId)
    await waitForState(pair.b, f.transferId, ['cancelled'], 5_000)
    await assert.rejects(pair.b.engine.accept(f.transferId), { code: 'invalid_state' })
  })

  for (const side of ['sender', 'receiver'] as const) {
    test(`the ${side} cancels mid-transfer: both stop and the partial file is gone`, async () => {
      const size = 32 * MiB
      const f = await offerFile(pair, size, `cancel-${side}`)
      await pair.b.engine.accept(f.transferId)
      await waitUntil(
        async () => ((await pair.b.engine.get(f.transferId))?.progress.bytes ?? 0) >= 2 * MiB,
        30_000,
        'the transfer to get going',
      )
      const canceller = side === 'sender' ? pair.a : pair.b
      const other = side === 'sender' ? pair.b : pair.a
      await canceller.engine.cancel(f.transferId)
      await waitForState(other, f.transferId, ['cancelled'], 10_000)
      const rx = (await pair.b.engine.get(f.transferId))!
      assert.equal(rx.state, 'cancelled')
      assert.ok(rx.progress.bytes < size, 'it stopped before the end')
      const sink = pair.b.storage.sinks.get(f.transferId)!
      await waitUntil(() => sink.discarded, 5_000, 'the partial file to be discarded')
      assert.ok(!existsSync(sink.finalPath))
      await assert.rejects(canceller.engine.resume(f.transferId), { code: 'invalid_state' })
    })
  }

  test('pause and resume from either side continue where it stopped', async () => {
    const size = 16 * MiB + 5
    const f = await offerFile(pair, size, 'pause')
    await pair.b.engine.accept(f.transferId)
    await waitUntil(
      async () => ((await pair.b.engine.get(f.transferId))?.progress.bytes ?? 0) >= 4 * MiB,
      30_000,
      'a quarter',
    )
    await pair.b.engine.pause(f.transferId)
    await waitForState(pair.a, f.transferId, ['paused'], 5_000)
    const atPause = (await pair.b.engine.get(f.transferId))!.progress.bytes
    await new Promise((r) => setTimeout(r, 300))
    const still = (await pair.b.engine.get(f.transferId))!
    assert.equal(still.state, 'paused')
    assert.equal(still.progress.bytes, atPause, 'no bytes move while paused')
    assert.equal(still.progress.rateBytesPerSec, 0)
    // The sender resumes this time.
    await pair.a.engine.resume(f.transferId)
    const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 60_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(
      await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
      f.sourceSha256,
    )
    const attempts = pair.b.engine.stats.filter((s) => s.transferId === f.transferId)
    assert.ok(
      attempts[attempts.length - 1]!.resumeFrom * 16384 >= atPause - 16384,
      'resumed, not restarted',
    )
  })

  test('disk full on the receiver pauses the transfer with storage_full and keeps what arrived', async () => {
    const size = 8 * MiB
    const f = await offerFile(pair, size, 'disk-full')
    pair.b.storage.quotaBytes = 3 * MiB
    try {
      await pair.b.engine.accept(f.transferId)
      const t = await waitForState(pair.b, f.transferId, ['paused', 'failed', 'completed'], 30_000)
      assert.equal(t.state, 'paused')
      assert.equal(t.error?.code, 'storage_full')
      assert.ok(t.progress.bytes > 0 && t.progress.bytes <= 3 * MiB)
      const sender = await waitForState(pair.a, f.transferId, ['waiting'], 5_000)
      assert.equal(sender.error?.code, 'storage_full')
      // The user frees space and resumes.
      pair.b.storage.sinks.get(f.transferId)!.quotaBytes = Infinity
      await pair.b.engine.resume(f.transferId)
      const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 30_000)
      assert.equal(done.state, 'completed', JSON.stringify(done.error))
      assert.equal(
        await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
        f.sourceSha256,
      )
    } finally {
      pair.b.storage.quotaBytes = Infinity
    }
  })
})

describe('file transfer across a restart of the receiving device', { timeout: 120_000 }, () => {
  let pair: DevicePair
  before(async () => {
    pair = await startDevicePair({
      tuning: { retryFirstMs: 200, retryMaxMs: 1_000, persistEveryMs: 0 },
    })
  })
  after(async () => {
    await pair.stop()
  })

  test('the receiver restarts mid-transfer and resumes from its stored chunks (hash rebuilt from disk)', async () => {
    const size = 24 * MiB + 99
    const total = chunkCount(size)
    const f = await offerFile(pair, size, 'restart')
    await pair.b.engine.accept(f.transferId)
    await waitUntil(
      async () => ((await pair.b.engine.get(f.transferId))?.progress.bytes ?? 0) >= 8 * MiB,
      30_000,
      'a third of the file',
    )
    await pair.b.restartEngine()
    const stored = (await pair.b.store.getTransfer(f.transferId))!.bytesVerified
    assert.ok(stored >= 8 * MiB, 'the record kept the verified byte count')
    const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 60_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(
      await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
      f.sourceSha256,
    )
    const resumed = pair.b.engine.stats.filter((s) => s.transferId === f.transferId)
    assert.equal(resumed.length, 1, 'the new engine needed one stream')
    assert.ok(resumed[0]!.resumeFrom * 16384 >= 8 * MiB - 16384, 'it did not start over')
    assert.ok(resumed[0]!.chunksSent < total, 'only the rest came over the wire')
    console.log(`# restart: resumed from chunk ${resumed[0]!.resumeFrom}/${total}`)
  })

  test('the sender restarts mid-transfer; the receiver retries and gets the rest from the staged file', async () => {
    const size = 24 * MiB + 1
    const total = chunkCount(size)
    const f = await offerFile(pair, size, 'sender-restart')
    await pair.b.engine.accept(f.transferId)
    await waitUntil(
      async () => ((await pair.b.engine.get(f.transferId))?.progress.bytes ?? 0) >= 8 * MiB,
      30_000,
      'a third of the file',
    )
    await pair.a.restartEngine()
    const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 60_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    assert.equal(
      await sha256OfFile(pair.b.storage.sinks.get(f.transferId)!.finalPath),
      f.sourceSha256,
    )
    await waitForState(pair.a, f.transferId, ['completed'], 5_000)
    const attempts = pair.b.engine.stats.filter((s) => s.transferId === f.transferId)
    assert.ok(attempts.length >= 2)
    const received = attempts.reduce((n, s) => n + s.chunksSent, 0)
    assert.ok(
      received - total <= FILE_LIMITS.windowChunks,
      `received ${received} chunk frames for ${total}`,
    )
  })
})
