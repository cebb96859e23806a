// Two real Hestia extensions for the browser benchmarks: the chrome-mv3 test build in two Chromium
// profiles (A and B), a relay in this process on 127.0.0.1, identities created and the relay added
// through the client API, and B holding A as a contact (B accepted A's invite). Pages talk to
// their host over one long-lived runtime port each (`hestia/v1/client`, the popup's own port), so
// a measured request pays no port set-up; events arriving on it are logged with their arrival
// time (performance.timeOrigin + performance.now(): comparable between pages of one machine).
//
//   const pair = await openExtensionPair({ log, signal })
//   try { await pair.b.request({ type: 'messages.send', ... }) } finally { await pair.close() }
//
// Builds build/chrome-mv3-test first when stale (under flock /tmp/plasmo-build.lock). Every wait
// is bounded and names what it waited for.

import type { Page } from 'playwright-core'
import type { ClientEvent, ClientRequest, ResponseFor } from '../../../core/src/client/api.ts'
import { freshTestBuild } from '../../browser/support/fresh-build.ts'
import { ChromiumProfile, TestRelay, waitUntil } from '../../browser/support/messenger-browser.ts'

/** The port name the host serves (extension/src/client/runtime-port.ts). */
const CLIENT_PORT_NAME = 'hestia/v1/client'
/** One request over the port (the host answers in ms; a busy 2-core machine needs slack). */
export const REQUEST_WAIT_MS = 15_000
/** Relay reservation and mailbox after adding the relay (the node restarts with it). */
const RELAY_READY_MS = 45_000

export interface TimedEvent {
  /** performance.timeOrigin + performance.now() in the page when the event arrived. */
  at: number
  event: ClientEvent
}

/** One extension profile with a page that holds a client port. */
export class BenchExtensionPage {
  readonly name: string
  readonly profile: ChromiumProfile
  readonly page: Page

  constructor(name: string, profile: ChromiumProfile, page: Page) {
    this.name = name
    this.profile = profile
    this.page = page
  }

  async request<T extends ClientRequest>(request: T): Promise<ResponseFor<T>> {
    const result = await this.page.evaluate(portRequest, {
      request,
      waitMs: REQUEST_WAIT_MS,
    })
    return result.response as ResponseFor<T>
  }

  /** The success value, or throws with the error code (a benchmark cannot go on without it). */
  async must<T extends ClientRequest>(
    request: T,
  ): Promise<Extract<ResponseFor<T>, { ok: true }>['value']> {
    const response = await this.request(request)
    if (!response.ok) {
      throw new Error(
        `${this.name} ${request.type}: ${response.error.code} ${response.error.message}`,
      )
    }
    return response.value
  }

  /** Events logged since the port opened. */
  events(): Promise<TimedEvent[]> {
    return this.page.evaluate(
      () => (globalThis as unknown as BenchPortGlobal).__hestiaBenchPort?.events ?? [],
    )
  }

  /** Clears the event log (long runs would otherwise carry every event back on each read). */
  clearEvents(): Promise<void> {
    return this.page.evaluate(() => {
      const state = (globalThis as unknown as BenchPortGlobal).__hestiaBenchPort
      if (state !== undefined) state.events.length = 0
    })
  }

  async relayReady(): Promise<boolean> {
    const status = await this.must({ type: 'connectivity.status' })
    const relay = status.relays[0]
    return (
      relay !== undefined && relay.state === 'connected' && relay.reserved && relay.mailboxReady
    )
  }

  async directPeers(): Promise<number> {
    return (await this.must({ type: 'connectivity.status' })).directPeers
  }
}

// In-page code (serialized by Playwright: no closures over this module) ------------------------

interface RuntimePort {
  postMessage(message: unknown): void
  onMessage: { addListener(listener: (message: unknown) => void): void }
  onDisconnect: { addListener(listener: () => void): void }
}

interface BenchPortState {
  /** null after the host closed it (not started yet, restarting); the next request reconnects. */
  port: RuntimePort | null
  connect(): RuntimePort
  nextId: number
  pending: Map<number, (value: { at: number; response: unknown }) => void>
  events: TimedEvent[]
}

interface BenchPortGlobal {
  __hestiaBenchPort?: BenchPortState
  chrome?: { runtime: { connect(info: { name: string }): RuntimePort; lastError?: unknown } }
}

/** In the page: sets up the long-lived client port (connected on first use) and the event log. */
function installPort(name: string): void {
  const scope = globalThis as unknown as BenchPortGlobal
  if (scope.__hestiaBenchPort !== undefined) return
  const state: BenchPortState = {
    port: null,
    nextId: 1,
    pending: new Map(),
    events: [],
    connect: () => {
      const port = scope.chrome!.runtime.connect({ name })
      port.onMessage.addListener((message) => {
        const at = performance.timeOrigin + performance.now()
        const m = message as { kind?: string; id?: number; response?: unknown; event?: ClientEvent }
        if (m?.kind === 'response' && typeof m.id === 'number') {
          const settle = state.pending.get(m.id)
          state.pending.delete(m.id)
          settle?.({ at, response: m.response })
        } else if (m?.kind === 'event' && m.event !== undefined) {
          state.events.push({ at, event: m.event })
        }
      })
      port.onDisconnect.addListener(() => {
        void scope.chrome?.runtime.lastError // read, so Chrome does not log it as unchecked
        if (state.port === port) state.port = null
        const at = performance.timeOrigin + performance.now()
        for (const settle of state.pending.values()) {
          settle({
            at,
            response: { ok: false, error: { code: 'unavailable', message: 'port closed' } },
          })
        }
        state.pending.clear()
      })
      state.port = port
      return port
    },
  }
  scope.__hestiaBenchPort = state
}

/** In the page: one request over the port; `sentAt`/`at` on the same clock as event times. */
function portRequest({ request, waitMs }: { request: unknown; waitMs: number }) {
  const state = (globalThis as unknown as BenchPortGlobal).__hestiaBenchPort!
  const id = state.nextId++
  const sentAt = performance.timeOrigin + performance.now()
  return new Promise<{ sentAt: number; at: number; response: unknown }>((resolve, reject) => {
    const timer = setTimeout(() => {
      state.pending.delete(id)
      reject(new Error(`no response to ${(request as { type: string }).type} within ${waitMs} ms`))
    }, waitMs)
    state.pending.set(id, ({ at, response }) => {
      clearTimeout(timer)
      resolve({ sentAt, at, response })
    })
    try {
      ;(state.port ?? state.connect()).postMessage({ kind: 'request', id, request })
    } catch (error) {
      state.port = null
      state.pending.delete(id)
      clearTimeout(timer)
      resolve({
        sentAt,
        at: sentAt,
        response: { ok: false, error: { code: 'unavailable', message: String(error) } },
      })
    }
  })
}

/**
 * In the page: sends a text message and waits until an event shows it `delivered` (or `read`):
 * the contact's node stored it and its delivery receipt came back. Returns the send time and the
 * time of that event.
 */
async function sendUntilDelivered({
  conversationId,
  text,
  waitMs,
}: {
  conversationId: string
  text: string
  waitMs: number
}): Promise<{ sentAt: number; deliveredAt: number }> {
  const state = (globalThis as unknown as BenchPortGlobal).__hestiaBenchPort!
  const id = state.nextId++
  const sentAt = performance.timeOrigin + performance.now()
  const deadline = performance.now() + waitMs
  const response = await new Promise<unknown>((resolve) => {
    state.pending.set(id, ({ response }) => resolve(response))
    ;(state.port ?? state.connect()).postMessage({
      kind: 'request',
      id,
      request: { type: 'messages.send', conversationId, text },
    })
  })
  const r = response as { ok: boolean; value?: { message: { messageId: string } }; error?: unknown }
  if (!r.ok || r.value === undefined) throw new Error(`messages.send: ${JSON.stringify(r.error)}`)
  const messageId = r.value.message.messageId
  for (;;) {
    const done = state.events.find(
      (e) =>
        e.event.type === 'message.updated' &&
        e.event.message.messageId === messageId &&
        (e.event.message.delivery === 'delivered' || e.event.message.delivery === 'read'),
    )
    if (done !== undefined) return { sentAt, deliveredAt: done.at }
    if (performance.now() > deadline) throw new Error(`"${text}" not delivered within ${waitMs} ms`)
    await new Promise((r) => setTimeout(r, 1))
  }
}

/** In the page: when a message with `text` was added here (event arrival time), or null. */
function addedAt(text: string): number | null {
  const state = (globalThis as unknown as BenchPortGlobal).__hestiaBenchPort
  const found = state?.events.find(
    (e) =>
      e.event.type === 'message.added' &&
      e.event.message.body.kind === 'text' &&
      e.event.message.body.text === text,
  )
  return found === undefined ? null : found.at
}

// The pair ---------------------------------------------------------------------------------------

export interface ExtensionPair {
  extensionDir: string
  relay: TestRelay
  a: BenchExtensionPage
  b: BenchExtensionPage
  /** B's conversation with A (B accepted A's invite, so B is the session initiator). */
  conversationB: string
  close(): Promise<void>
}

export interface OpenPairOptions {
  log: (line: string) => void
  signal?: AbortSignal
}

/** Launches one extension profile and opens its tab page with a client port. */
export async function openProfile(
  name: string,
  extensionDir: string,
  opened: ChromiumProfile[],
  executablePath?: string,
): Promise<BenchExtensionPage> {
  const profile = await ChromiumProfile.create(name, extensionDir)
  opened.push(profile)
  await profile.launch(undefined, executablePath)
  return openClientPage(profile)
}

/** Opens the tab page of a running profile with a client port (again after it was closed). */
export async function openClientPage(profile: ChromiumProfile): Promise<BenchExtensionPage> {
  const name = profile.name
  const page = await profile.context!.newPage()
  await page.goto(profile.url('popup.html?layout=tab'), { timeout: REQUEST_WAIT_MS })
  await page.evaluate(installPort, CLIENT_PORT_NAME)
  const hestia = new BenchExtensionPage(name, profile, page)
  // The page woke the host; until its document serves ports a connect is closed at once.
  await waitUntil(
    `${name}'s host answering on the client port`,
    async () => (await hestia.request({ type: 'identity.status' })).ok,
    REQUEST_WAIT_MS,
    100,
  )
  return hestia
}

export interface SingleExtension {
  page: BenchExtensionPage
  close(): Promise<void>
}

export interface OpenSingleOptions extends OpenPairOptions {
  /** An unpacked build to load (the ui suite's copy); otherwise as for the pair below. */
  extensionDir?: string
}

/** One profile (build first when stale) with its identity `name`; no relay. */
export async function openSingleExtension(
  name: string,
  { log, signal, extensionDir: given }: OpenSingleOptions,
): Promise<SingleExtension> {
  const started = Date.now()
  // HESTIA_BENCH_EXTENSION_DIR: a build made beforehand, as for the pair below.
  const extensionDir =
    given ?? process.env.HESTIA_BENCH_EXTENSION_DIR ?? (await freshTestBuild('chrome-mv3'))
  log(`  extension build ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const opened: ChromiumProfile[] = []
  const close = async (): Promise<void> => {
    await Promise.allSettled(opened.map((p) => p.destroy()))
  }
  const release = (): void => void close()
  signal?.addEventListener('abort', release, { once: true })
  try {
    const page = await openProfile(name, extensionDir, opened)
    await page.must({ type: 'identity.create', displayName: name })
    return {
      page,
      close: async () => {
        signal?.removeEventListener('abort', release)
        await close()
      },
    }
  } catch (error) {
    signal?.removeEventListener('abort', release)
    await close()
    throw error
  }
}

/** Creates the identity `name` and adds the relay; resolves once reservation and mailbox are up. */
async function joinRelay(page: BenchExtensionPage, relay: TestRelay): Promise<void> {
  await page.must({ type: 'identity.create', displayName: page.name })
  await page.must({ type: 'settings.addRelay', address: relay.address })
  await waitUntil(
    `${page.name} holding a reservation and a mailbox on the relay`,
    () => page.relayReady(),
    RELAY_READY_MS,
    100,
  )
  // The figures time the stack: "delivered" without the deliberate 1–30 s receipt delay, whose
  // cost ADR 0751 states on its own. (After the restart the new relay caused.)
  await page.must({ type: 'settings.update', patch: { delayReceipts: false } })
}

export interface ExtraSender {
  page: BenchExtensionPage
  /** The sender's conversation with A. */
  conversationId: string
  close(): Promise<void>
}

/** A third profile that accepts A's current invite (so it is the initiator of a new session). */
export async function openExtraSender(pair: ExtensionPair, name: string): Promise<ExtraSender> {
  const opened: ChromiumProfile[] = []
  const close = async (): Promise<void> => {
    await Promise.allSettled(opened.map((p) => p.destroy()))
  }
  try {
    const page = await openProfile(name, pair.extensionDir, opened)
    await joinRelay(page, pair.relay)
    const invite = await pair.a.must({ type: 'invite.mine' })
    const accepted = await page.must({ type: 'invite.accept', invite: invite.link })
    return { page, conversationId: accepted.contact.conversationId, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Builds (if stale), starts the relay and both profiles, and makes B a contact of A. */
export async function openExtensionPair({ log, signal }: OpenPairOptions): Promise<ExtensionPair> {
  const started = Date.now()
  // HESTIA_BENCH_EXTENSION_DIR: an unpacked build made beforehand (two builds compared in turn
  // on the same machine, e.g. before and after a change), instead of the working tree's.
  const extensionDir =
    process.env.HESTIA_BENCH_EXTENSION_DIR ?? (await freshTestBuild('chrome-mv3'))
  log(`  extension build ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const relay = await TestRelay.start()
  const opened: ChromiumProfile[] = []
  const close = async (): Promise<void> => {
    await Promise.allSettled(opened.map((p) => p.destroy()))
    await relay.destroy().catch(() => undefined)
  }
  const release = (): void => void close()
  signal?.addEventListener('abort', release, { once: true })
  try {
    const [a, b] = await Promise.all([
      openProfile('Alice', extensionDir, opened),
      openProfile('Bob', extensionDir, opened),
    ])
    await Promise.all([joinRelay(a, relay), joinRelay(b, relay)])
    const invite = await a.must({ type: 'invite.mine' })
    const accepted = await b.must({ type: 'invite.accept', invite: invite.link })
    log(`  extension pair ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return {
      extensionDir,
      relay,
      a,
      b,
      conversationB: accepted.contact.conversationId,
      close: async () => {
        signal?.removeEventListener('abort', release)
        await close()
      },
    }
  } catch (error) {
    signal?.removeEventListener('abort', release)
    await close()
    throw error
  }
}

/**
 * `sender` sends `text` in `conversationId`; resolves when it shows up in `receiver`'s event log
 * with the one-way time (send request posted in the sender's page → `message.added` in the
 * receiver's page), in ms.
 */
export async function oneWay(
  sender: BenchExtensionPage,
  receiver: BenchExtensionPage,
  conversationId: string,
  text: string,
  waitMs: number,
): Promise<number> {
  const sent = await sender.page.evaluate(portRequest, {
    request: { type: 'messages.send', conversationId, text },
    waitMs: REQUEST_WAIT_MS,
  })
  const response = sent.response as { ok: boolean; error?: unknown }
  if (!response.ok) throw new Error(`messages.send: ${JSON.stringify(response.error)}`)
  let arrived: number | null = null
  await waitUntil(
    `"${text}" to reach ${receiver.name}`,
    async () => (arrived = await receiver.page.evaluate(addedAt, text)) !== null,
    waitMs,
    5,
  )
  return arrived! - sent.sentAt
}

/**
 * A round trip's two page times (epoch ms, performance.timeOrigin + now()): the send posted in
 * `sender`'s page, and the delivered event's arrival there (scripts/profile-msg-browser.ts).
 */
export function roundTripTimes(
  sender: BenchExtensionPage,
  conversationId: string,
  text: string,
  waitMs: number,
): Promise<{ sentAt: number; deliveredAt: number }> {
  return sender.page.evaluate(sendUntilDelivered, { conversationId, text, waitMs })
}

/**
 * One request over `page`'s port, with the page times it was posted and answered (epoch ms, the
 * clock of the event log): the start of a send→arrival figure whose end another page's log holds.
 */
export async function timedRequest<T extends ClientRequest>(
  page: BenchExtensionPage,
  request: T,
): Promise<{ sentAt: number; answeredAt: number; response: ResponseFor<T> }> {
  const sent = await page.page.evaluate(portRequest, { request, waitMs: REQUEST_WAIT_MS })
  return { sentAt: sent.sentAt, answeredAt: sent.at, response: sent.response as ResponseFor<T> }
}

/** When `page` received `message.added` for `text` (epoch ms), or null. */
export function addedIn(page: BenchExtensionPage, text: string): Promise<number | null> {
  return page.page.evaluate(addedAt, text)
}

/** Round trip from `sender`'s page: send → the contact's delivery receipt shown, in ms. */
export async function roundTrip(
  sender: BenchExtensionPage,
  conversationId: string,
  text: string,
  waitMs: number,
): Promise<number> {
  const { sentAt, deliveredAt } = await sender.page.evaluate(sendUntilDelivered, {
    conversationId,
    text,
    waitMs,
  })
  return deliveredAt - sentAt
}
