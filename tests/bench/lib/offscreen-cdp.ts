// DevTools calls on an extension's offscreen document, which Playwright does not expose as a page:
// the browser-level CDP session of any page attaches to its target (non-flat, so messages travel
// inside Target.sendMessageToTarget / Target.receivedMessageFromTarget).
//
//   const offscreen = await OffscreenCdp.attach(context, anyPage)
//   await offscreen.heapAfterGcMiB()          // used JS heap after a full GC
//   await offscreen.heapSnapshot('/tmp/a.heapsnapshot')

import { writeFile } from 'node:fs/promises'
import type { BrowserContext, CDPSession, Page } from 'playwright-core'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

const MiB = 1024 * 1024
const ATTACH_WAIT_MS = 15_000
const CALL_WAIT_MS = 10_000
/** A snapshot of a ~10 MiB heap takes a few seconds; a loaded 2-core machine needs slack. */
const SNAPSHOT_WAIT_MS = 120_000

interface TargetMessage {
  id?: number
  result?: unknown
  error?: { message: string }
  method?: string
  params?: { chunk?: string }
}

export class OffscreenCdp {
  readonly #cdp: CDPSession
  readonly #sessionId: string
  #nextId = 1
  readonly #waiting = new Map<number, (reply: TargetMessage) => void>()
  /** Chunks of the heap snapshot being taken (events arrive before the call's answer). */
  #chunks: string[] | null = null

  private constructor(cdp: CDPSession, sessionId: string) {
    this.#cdp = cdp
    this.#sessionId = sessionId
    cdp.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
      if (event.sessionId !== sessionId) return
      const reply = JSON.parse(event.message) as TargetMessage
      if (reply.method === 'HeapProfiler.addHeapSnapshotChunk') {
        this.#chunks?.push(reply.params?.chunk ?? '')
        return
      }
      if (reply.id === undefined) return
      this.#waiting.get(reply.id)?.(reply)
      this.#waiting.delete(reply.id)
    })
  }

  static async attach(context: BrowserContext, page: Page): Promise<OffscreenCdp> {
    const cdp = await context.newCDPSession(page)
    let targetId: string | undefined
    await waitUntil(
      'the offscreen document',
      async () => {
        const { targetInfos } = await cdp.send('Target.getTargets')
        targetId = targetInfos.find((t) => t.url.endsWith('/offscreen.html'))?.targetId
        return targetId !== undefined
      },
      ATTACH_WAIT_MS,
    )
    const { sessionId } = await cdp.send('Target.attachToTarget', {
      targetId: targetId!,
      flatten: false,
    })
    return new OffscreenCdp(cdp, sessionId)
  }

  send(method: string, params: object = {}, waitMs = CALL_WAIT_MS): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++
      const timer = setTimeout(() => {
        this.#waiting.delete(id)
        reject(new Error(`${method}: no answer from the offscreen document within ${waitMs} ms`))
      }, waitMs)
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer)
        if (reply.error !== undefined) reject(new Error(`${method}: ${reply.error.message}`))
        else resolve(reply.result)
      })
      this.#cdp
        .send('Target.sendMessageToTarget', {
          sessionId: this.#sessionId,
          message: JSON.stringify({ id, method, params }),
        })
        .catch(reject)
    })
  }

  /** Runs `expression` in the document (awaiting a promise); its JSON value, or throws. */
  async evaluate(expression: string, waitMs = CALL_WAIT_MS * 6): Promise<unknown> {
    const reply = (await this.send(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true },
      waitMs,
    )) as {
      result?: { value?: unknown }
      exceptionDetails?: { exception?: { description?: string } }
    }
    if (reply.exceptionDetails !== undefined) {
      throw new Error(
        `offscreen evaluate: ${reply.exceptionDetails.exception?.description ?? 'exception'}`,
      )
    }
    return reply.result?.value
  }

  async heapMiB(): Promise<number> {
    const { usedSize } = (await this.send('Runtime.getHeapUsage')) as { usedSize: number }
    return usedSize / MiB
  }

  async heapAfterGcMiB(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage')
    return this.heapMiB()
  }

  /** Writes a heap snapshot (taken after a full GC, as DevTools does) to `path`. */
  async heapSnapshot(path: string): Promise<void> {
    this.#chunks = []
    try {
      await this.send('HeapProfiler.collectGarbage')
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, SNAPSHOT_WAIT_MS)
      await writeFile(path, this.#chunks.join(''))
    } finally {
      this.#chunks = null
    }
  }

  async detach(): Promise<void> {
    await this.#cdp.detach().catch(() => undefined)
  }
}
