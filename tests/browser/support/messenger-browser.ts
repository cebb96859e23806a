// Helpers for the messenger end-to-end tests in real browsers: a relay on 127.0.0.1 that can be
// stopped and restarted with the same identity, Chromium profiles that survive a browser restart,
// and a page handle that speaks the client API over a real runtime port (the same envelopes the
// popup uses) and logs client events with their arrival time.
//
// Every wait here is bounded; a timeout names what it waited for.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type {
  ChatMessage,
  ClientEvent,
  ClientRequest,
  ResponseFor,
} from '../../../core/src/client/api.ts'
import { parsePortMessageFromNode } from '../../../core/src/client/validate.ts'
import { startRelay, type RelayHandle } from '../../../relay-node/src/relay.ts'
import { chromiumFlags, chromiumPath } from '../../../scripts/browsers.ts'
import { LOOPBACK_USERS, loopbackMailbox } from '../../integration/support/loopback-relay.ts'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

// Relay ---------------------------------------------------------------------------------------

/** A relay in this process whose data dir and port survive stop/start (same PeerId, same address). */
export class TestRelay {
  readonly dataDir: string
  #port = 0
  #handle: RelayHandle | null = null

  private constructor(dataDir: string) {
    this.dataDir = dataDir
  }

  static async start(): Promise<TestRelay> {
    const relay = new TestRelay(await mkdtemp(join(tmpdir(), 'hestia-e2e-relay-')))
    await relay.start()
    return relay
  }

  async start(): Promise<void> {
    if (this.#handle !== null) return
    this.#handle = await startRelay({
      dataDir: this.dataDir,
      listen: [`/ip4/127.0.0.1/tcp/${this.#port}/ws`],
      stunPort: -1,
      adminPort: -1,
      logLevel: 'silent',
      // Every browser of a test connects from 127.0.0.1: per-address budgets of a crowd.
      relay: LOOPBACK_USERS,
      mailbox: loopbackMailbox(),
    })
    const address = this.address
    this.#port = Number(/\/tcp\/(\d+)\//.exec(address)?.[1] ?? 0)
  }

  /** `/ip4/127.0.0.1/tcp/<port>/ws/p2p/<id>` */
  get address(): string {
    const address = this.#handle?.multiaddrs.find((a) => a.includes('/ws/'))
    if (address === undefined) throw new Error('the relay is not running')
    return address
  }

  get running(): boolean {
    return this.#handle !== null
  }

  async stop(): Promise<void> {
    const handle = this.#handle
    this.#handle = null
    await handle?.stop()
  }

  async destroy(): Promise<void> {
    await this.stop()
    await rm(this.dataDir, { recursive: true, force: true })
  }
}

// Browsers ------------------------------------------------------------------------------------

/** A Chromium profile with the extension; `close()` keeps the profile, `destroy()` deletes it. */
export class ChromiumProfile {
  readonly name: string
  readonly profileDir: string
  readonly extensionDir: string
  context: BrowserContext | null = null
  extensionId = ''

  private constructor(name: string, profileDir: string, extensionDir: string) {
    this.name = name
    this.profileDir = profileDir
    this.extensionDir = extensionDir
  }

  static async create(name: string, extensionDir: string): Promise<ChromiumProfile> {
    const dir = await mkdtemp(join(tmpdir(), `hestia-e2e-${name.toLowerCase()}-`))
    return new ChromiumProfile(name, dir, resolve(extensionDir))
  }

  /** `executablePath`: another launcher (the idle bench starts Chromium in a network namespace). */
  async launch(timeoutMs = 30_000, executablePath = chromiumPath): Promise<BrowserContext> {
    const context = await chromium.launchPersistentContext(this.profileDir, {
      executablePath,
      headless: false, // --headless=new in the flags: old headless loads no extensions
      args: [
        ...chromiumFlags,
        `--disable-extensions-except=${this.extensionDir}`,
        `--load-extension=${this.extensionDir}`,
        // Debugging: HESTIA_CHROMIUM_ARGS='--enable-logging=stderr' with DEBUG=pw:browser prints
        // the console of the offscreen document too.
        ...(process.env.HESTIA_CHROMIUM_ARGS?.split(' ').filter((a) => a !== '') ?? []),
      ],
      viewport: { width: 1100, height: 700 },
      timeout: timeoutMs,
    })
    const worker =
      context.serviceWorkers()[0] ??
      (await context.waitForEvent('serviceworker', { timeout: timeoutMs }))
    this.extensionId = new URL(worker.url()).host
    this.context = context
    return context
  }

  url(path: string): string {
    return `chrome-extension://${this.extensionId}/${path}`
  }

  /** Opens the messenger page; `layout=tab` is the "open in a tab" page. */
  async open(path = 'popup.html?layout=tab'): Promise<HestiaPage> {
    if (this.context === null) throw new Error(`${this.name}: the browser is not running`)
    const page = await this.context.newPage()
    const hestia = new HestiaPage(this.name, page)
    await page.goto(this.url(path), { timeout: 15_000 })
    return hestia
  }

  async close(): Promise<void> {
    const context = this.context
    this.context = null
    if (context !== null) await withTimeout(context.close(), 20_000, `closing ${this.name}`)
  }

  async destroy(): Promise<void> {
    await this.close().catch(() => undefined)
    await rm(this.profileDir, { recursive: true, force: true })
  }
}

// The client API from inside an extension page -------------------------------------------------

/** The port name the host serves (extension/src/client/runtime-port.ts). */
const CLIENT_PORT_NAME = 'hestia/v1/client'
const requestTimeoutMs = 15_000

export interface LoggedEvent {
  /** Date.now() in the page when the event arrived (same clock as the test process). */
  readonly at: number
  readonly event: ClientEvent
}

type RuntimeGlobal = {
  chrome?: { runtime: RuntimeLike }
  browser?: { runtime: RuntimeLike }
  __hestiaEvents?: LoggedEvent[]
}
interface RuntimeLike {
  sendMessage(message: unknown): Promise<unknown>
  connect(info: { name: string }): {
    postMessage(m: unknown): void
    disconnect(): void
    onMessage: { addListener(l: (m: unknown) => void): void }
    onDisconnect: { addListener(l: () => void): void }
  }
}

/** Something that evaluates a function in a page (Playwright and Puppeteer pages both do). */
export interface Evaluator {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>
}

export class HestiaPage {
  readonly name: string
  readonly page: Page
  readonly problems: string[] = []

  constructor(name: string, page: Page) {
    this.name = name
    this.page = page
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        this.problems.push(`console ${message.type()}: ${message.text()}`)
    })
  }

  /** One request over a fresh runtime port, validated here as the UI validates it. */
  api<T extends ClientRequest>(request: T): Promise<ResponseFor<T>> {
    return clientRequest(this.page as unknown as Evaluator, request)
  }

  async must<T extends ClientRequest>(
    request: T,
  ): Promise<Extract<ResponseFor<T>, { ok: true }>['value']> {
    return mustOk(this.name, request, await this.api(request))
  }

  /** Starts logging client events in the page (a port of its own, as a second page would). */
  async logEvents(): Promise<void> {
    await logEventsIn(this.page)
  }

  async events(): Promise<LoggedEvent[]> {
    return eventsIn(this.page)
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path })
  }
}

/**
 * What the pages do before they connect (extension/src/client/extension-client.ts): wake the host
 * through the background, which in Chrome (re)creates the offscreen document. Bounded; a failure
 * shows up as the port's disconnect right after.
 */
export async function wakeHost(page: Evaluator): Promise<void> {
  await page.evaluate(
    ({ timeoutMs }) =>
      new Promise<void>((resolve) => {
        const scope = globalThis as unknown as RuntimeGlobal
        const runtime = (scope.browser ?? scope.chrome)!.runtime
        const timer = setTimeout(resolve, timeoutMs)
        const envelope = {
          channel: 'hestia/v1/ipc',
          to: 'background',
          id: `wake-${Date.now()}`,
          request: { kind: 'host.wake' },
        }
        runtime.sendMessage(envelope).then(
          () => {
            clearTimeout(timer)
            resolve()
          },
          () => {
            clearTimeout(timer)
            resolve()
          },
        )
      }),
    { timeoutMs: requestTimeoutMs },
  )
}

export async function clientRequest<T extends ClientRequest>(
  page: Evaluator,
  request: T,
): Promise<ResponseFor<T>> {
  await wakeHost(page)
  const raw = await page.evaluate(
    ({ request, name, timeoutMs }) =>
      new Promise<unknown>((resolveRequest) => {
        const scope = globalThis as unknown as RuntimeGlobal
        const runtime = (scope.browser ?? scope.chrome)!.runtime
        const port = runtime.connect({ name })
        const timer = setTimeout(() => {
          port.disconnect()
          resolveRequest({ transport: 'timeout' })
        }, timeoutMs)
        port.onMessage.addListener((message) => {
          const m = message as { kind?: string; id?: number }
          if (m?.kind !== 'response' || m.id !== 1) return
          clearTimeout(timer)
          port.disconnect()
          resolveRequest(message)
        })
        port.onDisconnect.addListener(() => {
          void (globalThis as { chrome?: { runtime?: { lastError?: unknown } } }).chrome?.runtime
            ?.lastError // read, so Chrome does not log it as unchecked
          clearTimeout(timer)
          resolveRequest({ transport: 'disconnected' })
        })
        port.postMessage({ kind: 'request', id: 1, request })
      }),
    { request, name: CLIENT_PORT_NAME, timeoutMs: requestTimeoutMs },
  )
  if ((raw as { transport?: string }).transport !== undefined) {
    return {
      ok: false,
      error: { code: 'unavailable', message: JSON.stringify(raw) },
    }
  }
  const message = parsePortMessageFromNode(raw, (id) => (id === 1 ? request.type : undefined))
  if (message.kind !== 'response') throw new Error(`expected a response, got ${message.kind}`)
  return message.response as ResponseFor<T>
}

export function mustOk<T extends ClientRequest>(
  who: string,
  request: T,
  response: ResponseFor<T>,
): Extract<ResponseFor<T>, { ok: true }>['value'] {
  if (!response.ok) {
    throw new Error(`${who} ${request.type}: ${response.error.code} ${response.error.message}`)
  }
  return response.value
}

export async function logEventsIn(page: Evaluator): Promise<void> {
  await wakeHost(page)
  await page.evaluate((name) => {
    const scope = globalThis as unknown as RuntimeGlobal
    if (scope.__hestiaEvents !== undefined) return
    const log: LoggedEvent[] = []
    scope.__hestiaEvents = log
    const runtime = (scope.browser ?? scope.chrome)!.runtime
    const port = runtime.connect({ name })
    port.onMessage.addListener((message) => {
      const m = message as { kind?: string; event?: ClientEvent }
      if (m?.kind === 'event' && m.event !== undefined) log.push({ at: Date.now(), event: m.event })
    })
    // Diagnostics: a log that stops growing because the host went away says so.
    port.onDisconnect.addListener(() => {
      void (globalThis as { chrome?: { runtime?: { lastError?: unknown } } }).chrome?.runtime
        ?.lastError
      console.info('Hestia test event log: the host closed the port')
    })
  }, CLIENT_PORT_NAME)
}

export async function eventsIn(page: Evaluator): Promise<LoggedEvent[]> {
  return page.evaluate(() => (globalThis as unknown as RuntimeGlobal).__hestiaEvents ?? [], null)
}

/** When a message with `text` was first added on this page (from its event log), or undefined. */
export function addedAt(events: readonly LoggedEvent[], text: string): number | undefined {
  return events.find(
    (e) =>
      e.event.type === 'message.added' &&
      e.event.message.body.kind === 'text' &&
      e.event.message.body.text === text,
  )?.at
}

export function textOf(message: ChatMessage): string | null {
  return message.body.kind === 'text' ? message.body.text : null
}

/**
 * Waits until the page's first relay is connected, holds a reservation and has the mailbox ready.
 * Right after a browser start the host answers `unavailable` until its node runs: those answers
 * only mean "not yet".
 */
export async function relayReady(
  page: Pick<HestiaPage, 'name' | 'api'>,
  timeoutMs = 60_000,
): Promise<void> {
  await waitUntil(
    `${page.name}: relay reserved and mailbox ready`,
    async () => {
      const res = await page.api({ type: 'connectivity.status' })
      const r = res.ok ? res.value.relays[0] : undefined
      return r !== undefined && r.state === 'connected' && r.reserved && r.mailboxReady
    },
    timeoutMs,
  )
}

/** The conversation's last 200 messages as the page's API returns them, oldest first. */
export async function historyIn(page: HestiaPage, conversationId: string): Promise<ChatMessage[]> {
  const request = { type: 'messages.page', conversationId, before: null, limit: 200 } as const
  return (await page.must(request)).messages
}

/** The texts of the conversation's last 200 messages (files and calls left out). */
export async function textsIn(page: HestiaPage, conversationId: string): Promise<string[]> {
  return (await historyIn(page, conversationId)).flatMap((m) => {
    const text = textOf(m)
    return text === null ? [] : [text]
  })
}

/** The vault's state once the host answers at all (it may still be starting after a restart). */
export async function vaultStateWhenUp(page: Evaluator, timeoutMs = 30_000): Promise<string> {
  let state = ''
  await waitUntil(
    'the host to answer vault.status',
    async () => {
      const status = await clientRequest(page, { type: 'vault.status' })
      state = status.ok ? status.value.state : ''
      return status.ok
    },
    timeoutMs,
    250,
  )
  return state
}

/** The client API on a page that a test may replace (a Puppeteer page after a reload). */
export interface PageApi {
  ask: <T extends ClientRequest>(request: T) => Promise<ResponseFor<T>>
  must: <T extends ClientRequest>(
    request: T,
  ) => Promise<Extract<ResponseFor<T>, { ok: true }>['value']>
}

/** `ask` and `must` on whatever page `current()` returns at the time of each request. */
export function pageApi(who: string, current: () => Evaluator): PageApi {
  const ask = <T extends ClientRequest>(request: T): Promise<ResponseFor<T>> =>
    clientRequest(current(), request)
  return {
    ask,
    must: async (request) => mustOk(who, request, await ask(request)),
  }
}
