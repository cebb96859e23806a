// The hop baseline for message latency (msg.hops.rtt_p50_ms, issue #21): the same path a message
// takes between two extensions, with none of our stack on it. A's page → A's host (a runtime port
// to the offscreen document) → a bare RTCDataChannel between the two offscreen documents → B's
// host → B's page (a runtime port), which echoes, and the same way back. No libp2p, no crypto,
// no store: what is left is the floor a message round trip cannot go under in these browsers.
//
// Nothing of this ships: the host side is put into each running offscreen document over DevTools
// (lib/offscreen-cdp.ts), signalling is carried by the bench after ICE gathering completes, as in
// lib/raw-datachannel.ts.
//
//   const hops = await openHostHops(pair)
//   const rtts = await hops.echoRtts(30)     // ms per 32-character echo, read in A's page
//   await hops.close()

import type { Page } from 'playwright-core'
import { OffscreenCdp } from './offscreen-cdp.ts'
import { ECHO_MESSAGE_BYTES, PAGE_WAIT_LIMIT_MS } from './raw-datachannel.ts'
import type { BenchExtensionPage, ExtensionPair } from './extension-pair.ts'

/** A port name the host's client server ignores (it serves only `hestia/v1/client`). */
const HOPS_PORT_NAME = 'hestia/bench/hops'
/** ICE gathering and the channel opening on loopback; generous for a loaded 2-core machine. */
const SETUP_WAIT_MS = 30_000

export interface HostHops {
  /** `count` echoes one after another from A's page; each round trip in ms. */
  echoRtts(count: number): Promise<number[]>
  close(): Promise<void>
}

// In the offscreen documents (sent as source text: no closures over this module) ----------------

interface HopsHostState {
  pc: RTCPeerConnection
  channel: RTCDataChannel
}

interface HopsRuntime {
  onConnect: {
    addListener(
      listener: (port: {
        name: string
        postMessage(message: unknown): void
        onMessage: { addListener(listener: (message: unknown) => void): void }
        onDisconnect: { addListener(listener: () => void): void }
      }) => void,
    ): void
  }
}

/** Offscreen: the channel, and the relay page ⇄ channel for every hops port a page opens. */
async function hostSide(portName: string, offer: string | null, waitMs: number): Promise<string> {
  const scope = globalThis as unknown as {
    __hestiaHops?: HopsHostState
    chrome: { runtime: HopsRuntime }
  }
  const pc = new RTCPeerConnection({ iceServers: [] })
  const channel = pc.createDataChannel('hops', { negotiated: true, id: 0 })
  scope.__hestiaHops = { pc, channel }
  const ports = new Set<{ postMessage(message: unknown): void }>()
  channel.onmessage = (event: MessageEvent<string>) => {
    for (const port of ports) port.postMessage(event.data)
  }
  scope.chrome.runtime.onConnect.addListener((port) => {
    if (port.name !== portName) return
    ports.add(port)
    port.onMessage.addListener((message) => channel.send(String(message)))
    port.onDisconnect.addListener(() => ports.delete(port))
  })
  if (offer === null) {
    await pc.setLocalDescription(await pc.createOffer())
  } else {
    await pc.setRemoteDescription(JSON.parse(offer) as RTCSessionDescriptionInit)
    await pc.setLocalDescription(await pc.createAnswer())
  }
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') resolve()
    }
    pc.addEventListener('icegatheringstatechange', check)
    check()
    setTimeout(() => reject(new Error('ICE gathering did not complete')), waitMs)
  })
  return JSON.stringify(pc.localDescription)
}

/** Offscreen (the offerer): takes the answer and waits for the channel. */
async function finishHost(answer: string, waitMs: number): Promise<void> {
  const state = (globalThis as unknown as { __hestiaHops: HopsHostState }).__hestiaHops
  await state.pc.setRemoteDescription(JSON.parse(answer) as RTCSessionDescriptionInit)
  if (state.channel.readyState === 'open') return
  await new Promise<void>((resolve, reject) => {
    state.channel.addEventListener('open', () => resolve(), { once: true })
    setTimeout(() => reject(new Error('the hops channel did not open')), waitMs)
  })
}

function closeHost(): void {
  ;(globalThis as unknown as { __hestiaHops?: HopsHostState }).__hestiaHops?.pc.close()
}

// In the pages (serialized by Playwright) --------------------------------------------------------

interface PagePort {
  postMessage(message: unknown): void
  disconnect(): void
  onMessage: {
    addListener(listener: (message: unknown) => void): void
    removeListener(listener: (message: unknown) => void): void
  }
}
type PageScope = {
  __hestiaHopsPort?: PagePort
  chrome: { runtime: { connect(info: { name: string }): PagePort } }
}

/** B's page: echoes whatever its host hands it. */
function echoInPage(portName: string): void {
  const scope = globalThis as unknown as PageScope
  const port = scope.chrome.runtime.connect({ name: portName })
  port.onMessage.addListener((message) => port.postMessage(message))
  scope.__hestiaHopsPort = port
}

/** A's page: `count` echoes one after another; round trips on the page's clock. */
async function measureInPage(args: {
  portName: string
  count: number
  size: number
  waitMs: number
}): Promise<number[]> {
  const scope = globalThis as unknown as PageScope
  scope.__hestiaHopsPort ??= scope.chrome.runtime.connect({ name: args.portName })
  const port = scope.__hestiaHopsPort
  const rtts: number[] = []
  for (let i = 0; i < args.count; i++) {
    const text = `hop ${i} `.padEnd(args.size, '.').slice(0, args.size)
    const started = performance.now()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`echo "${text}" not back`)), args.waitMs)
      const listener = (message: unknown): void => {
        if (message !== text) return
        clearTimeout(timer)
        port.onMessage.removeListener(listener)
        resolve()
      }
      port.onMessage.addListener(listener)
      port.postMessage(text)
    })
    rtts.push(performance.now() - started)
  }
  return rtts
}

function disconnectInPage(): void {
  const scope = globalThis as unknown as PageScope
  scope.__hestiaHopsPort?.disconnect()
  delete scope.__hestiaHopsPort
}

// The bench side ---------------------------------------------------------------------------------

/** `fn(...args)` as an expression for Runtime.evaluate (JSON arguments only). */
function call(fn: (...args: never[]) => unknown, ...args: unknown[]): string {
  return `(${fn.toString()})(${args.map((a) => JSON.stringify(a)).join(', ')})`
}

async function offscreenOf(side: BenchExtensionPage): Promise<OffscreenCdp> {
  return OffscreenCdp.attach(side.profile.context!, side.page)
}

/** Connects the two offscreen documents of `pair` and puts B's page in echo. */
export async function openHostHops(pair: ExtensionPair): Promise<HostHops> {
  const [a, b] = await Promise.all([offscreenOf(pair.a), offscreenOf(pair.b)])
  const pages: Page[] = [pair.a.page, pair.b.page]
  try {
    const offer = (await a.evaluate(call(hostSide, HOPS_PORT_NAME, null, SETUP_WAIT_MS))) as string
    const answer = (await b.evaluate(
      call(hostSide, HOPS_PORT_NAME, offer, SETUP_WAIT_MS),
    )) as string
    await a.evaluate(call(finishHost, answer, SETUP_WAIT_MS))
    await pair.b.page.evaluate(echoInPage, HOPS_PORT_NAME)
  } catch (error) {
    await Promise.allSettled([a.evaluate(call(closeHost)), b.evaluate(call(closeHost))])
    await Promise.all([a.detach(), b.detach()])
    throw error
  }
  return {
    echoRtts: (count) =>
      pair.a.page.evaluate(measureInPage, {
        portName: HOPS_PORT_NAME,
        count,
        size: ECHO_MESSAGE_BYTES,
        waitMs: PAGE_WAIT_LIMIT_MS,
      }),
    close: async () => {
      await Promise.allSettled(pages.map((page) => page.evaluate(disconnectInPage)))
      await Promise.allSettled([a.evaluate(call(closeHost)), b.evaluate(call(closeHost))])
      await Promise.all([a.detach(), b.detach()])
    },
  }
}
