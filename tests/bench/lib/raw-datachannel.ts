// The physical baseline for messages and files: a bare RTCDataChannel between two pages of one
// Chromium, no libp2p, no encryption. Signalling goes through the test harness (offer and answer
// carried by page.evaluate after ICE gathering completes), so nothing but loopback is involved.
//
//   const pair = await openRawChannelPair(browser, server.url('/blank.html'))
//   const rtts = await pair.echoRtts(500)              // ms per 32-byte echo
//   const { bytes, milliseconds } = await pair.bulk(32 * 2 ** 20)
//   await pair.close()
//
// Suites measuring our own stack interleave these calls with theirs (lib/interleave.ts).

import type { Browser, Page } from 'playwright-core'

/** Size of each echo message; issue #9 fixes the message RTT baseline at 32 bytes. */
export const ECHO_MESSAGE_BYTES = 32
/** Bulk chunk size: well under Chromium's 256 KiB SCTP message limit, as file transfer uses. */
export const BULK_CHUNK_BYTES = 64 * 1024
/** The sender pauses while more than this is queued in the channel ... */
export const BULK_HIGH_WATER_BYTES = 4 * 1024 * 1024
/** ... and resumes when the queue drains below this (bufferedAmountLowThreshold). */
export const BULK_LOW_WATER_BYTES = 1024 * 1024
/** Any single wait inside a page (channel open, echo, bulk acknowledgement) gives up after this. */
export const PAGE_WAIT_LIMIT_MS = 60_000

export interface RawChannelPair {
  /** Whether the measuring page is cross-origin isolated (performance.now() at ~5 µs, not 100 µs). */
  preciseTimers: boolean
  /**
   * The measuring page (sends the bulk bytes) and the echoing one (counts them). The file floor
   * (lib/raw-file-floor.ts) runs its arms on the same `bulk` channel between them.
   */
  pages: readonly [Page, Page]
  /** Sends `count` echo messages one after another; returns each round trip in ms. */
  echoRtts(count: number): Promise<number[]>
  /** Sends `bytes` with back-pressure and waits for the receiver's count; returns the time. */
  bulk(bytes: number): Promise<{ bytes: number; milliseconds: number }>
  close(): Promise<void>
}

interface Description {
  type: RTCSdpType
  sdp: string
}

/** Browser-side state of one side of the pair, kept on globalThis between page.evaluate calls. */
interface PageSide {
  pc: RTCPeerConnection
  echo: RTCDataChannel
  bulk: RTCDataChannel
}

interface SetupArgs {
  offer: Description | null
  waitLimitMs: number
}

// Runs in the page (serialized by playwright): creates the connection and both channels, as
// offerer (offer = null) or answerer, and returns its complete local description.
async function setUpSide({ offer, waitLimitMs }: SetupArgs): Promise<Description> {
  const pc = new RTCPeerConnection({ iceServers: [] })
  // Negotiated channels exist on both sides at once: no ondatachannel race.
  const echo = pc.createDataChannel('echo', { negotiated: true, id: 0 })
  const bulk = pc.createDataChannel('bulk', { negotiated: true, id: 1 })
  echo.binaryType = 'arraybuffer'
  bulk.binaryType = 'arraybuffer'
  const side: PageSide = { pc, echo, bulk }
  ;(globalThis as unknown as { hestiaBench: PageSide }).hestiaBench = side
  if (offer === null) {
    await pc.setLocalDescription(await pc.createOffer())
  } else {
    // The answering side echoes and counts; the offering side measures.
    echo.onmessage = (event: MessageEvent<ArrayBuffer>) => echo.send(event.data)
    let received = 0
    bulk.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === 'string') {
        bulk.send(String(received))
        received = 0
      } else {
        received += event.data.byteLength
      }
    }
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription(await pc.createAnswer())
  }
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') resolve()
    }
    pc.addEventListener('icegatheringstatechange', check)
    check()
    setTimeout(() => reject(new Error('ICE gathering did not complete')), waitLimitMs)
  })
  const local = pc.localDescription
  if (local === null) throw new Error('no local description after gathering')
  return { type: local.type, sdp: local.sdp }
}

async function finishOfferer({
  answer,
  waitLimitMs,
}: {
  answer: Description
  waitLimitMs: number
}) {
  const side = (globalThis as unknown as { hestiaBench: PageSide }).hestiaBench
  await side.pc.setRemoteDescription(answer)
  const opened = (channel: RTCDataChannel) =>
    new Promise<void>((resolve, reject) => {
      if (channel.readyState === 'open') return resolve()
      channel.addEventListener('open', () => resolve(), { once: true })
      setTimeout(() => reject(new Error(`channel ${channel.label} did not open`)), waitLimitMs)
    })
  await Promise.all([opened(side.echo), opened(side.bulk)])
}

async function measureEcho({
  count,
  size,
  waitLimitMs,
}: {
  count: number
  size: number
  waitLimitMs: number
}) {
  const { echo } = (globalThis as unknown as { hestiaBench: PageSide }).hestiaBench
  const message = new Uint8Array(size)
  crypto.getRandomValues(message)
  const rtts: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('echo not answered')), waitLimitMs)
      echo.addEventListener(
        'message',
        () => {
          clearTimeout(timer)
          resolve()
        },
        { once: true },
      )
      echo.send(message)
    })
    rtts.push(performance.now() - started)
  }
  return rtts
}

interface BulkArgs {
  bytes: number
  chunk: number
  high: number
  low: number
  waitLimitMs: number
}

async function measureBulk({ bytes, chunk, high, low, waitLimitMs }: BulkArgs) {
  const { bulk } = (globalThis as unknown as { hestiaBench: PageSide }).hestiaBench
  const data = new Uint8Array(chunk)
  crypto.getRandomValues(data)
  bulk.bufferedAmountLowThreshold = low
  const acknowledged = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bulk not acknowledged')), waitLimitMs)
    bulk.addEventListener(
      'message',
      (event: MessageEvent<string>) => {
        clearTimeout(timer)
        resolve(Number(event.data))
      },
      { once: true },
    )
  })
  const drained = () =>
    new Promise<void>((resolve) =>
      bulk.addEventListener('bufferedamountlow', () => resolve(), { once: true }),
    )
  const started = performance.now()
  for (let sent = 0; sent < bytes;) {
    if (bulk.bufferedAmount > high) await drained()
    const piece = Math.min(chunk, bytes - sent)
    bulk.send(piece === chunk ? data : data.subarray(0, piece))
    sent += piece
  }
  bulk.send('end')
  const received = await acknowledged
  return { bytes: received, milliseconds: performance.now() - started }
}

function closeSide(): void {
  ;(globalThis as unknown as { hestiaBench?: PageSide }).hestiaBench?.pc.close()
}

/** Opens two pages on `pageUrl` (a blank page of the loopback server) and connects them. */
export async function openRawChannelPair(
  browser: Browser,
  pageUrl: string,
): Promise<RawChannelPair> {
  const context = await browser.newContext()
  try {
    const pages: [Page, Page] = [await context.newPage(), await context.newPage()]
    await Promise.all(pages.map((page) => page.goto(pageUrl)))
    return await connectRawChannel(pages, () => context.close())
  } catch (error) {
    await context.close()
    throw error
  }
}

/**
 * Connects two pages that are already open, e.g. one in each of two browsers (the file suite puts
 * one in each extension's profile, so the baseline crosses the same two browsers as the transfer).
 * `close()` closes the connection and then calls `release`.
 */
export async function connectRawChannel(
  pages: readonly [Page, Page],
  release: () => Promise<void> = () => Promise.resolve(),
): Promise<RawChannelPair> {
  const [measuring, echoing] = pages
  const preciseTimers = await measuring.evaluate(() => crossOriginIsolated)
  const waitLimitMs = PAGE_WAIT_LIMIT_MS
  const offer = await measuring.evaluate(setUpSide, { offer: null, waitLimitMs })
  const answer = await echoing.evaluate(setUpSide, { offer, waitLimitMs })
  await measuring.evaluate(finishOfferer, { answer, waitLimitMs })
  return {
    preciseTimers,
    pages,
    echoRtts: (count) =>
      measuring.evaluate(measureEcho, { count, size: ECHO_MESSAGE_BYTES, waitLimitMs }),
    bulk: async (bytes) => {
      const result = await measuring.evaluate(measureBulk, {
        bytes,
        chunk: BULK_CHUNK_BYTES,
        high: BULK_HIGH_WATER_BYTES,
        low: BULK_LOW_WATER_BYTES,
        waitLimitMs,
      })
      if (result.bytes !== bytes) {
        throw new Error(`receiver counted ${result.bytes} bytes of ${bytes}`)
      }
      return result
    },
    close: async () => {
      await Promise.all(pages.map((page) => page.evaluate(closeSide).catch(() => undefined)))
      await release()
    },
  }
}
