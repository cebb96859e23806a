/**
 * One hostile client process, bound to one loopback source address (its WebSockets and raw sockets
 * leave from it), so the relay sees it as its own IP and its CPU is not the measuring process's.
 *
 *   node tests/relay/soak-hostile-worker.ts RELAY_MULTIADDR SOURCE_IP ATTACK DURATION_MS
 *
 * ATTACK is one of the names in ATTACKS, or `rotation` (all of them in turn until DURATION_MS).
 * Prints one JSON line per attack run on stdout: { attack, ...outcome }.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { MAILBOX_PROTOCOL, encodeRequest } from '@hestia/core/mailbox/index.ts'
import { randomBytes } from '@noble/hashes/utils.js'
import { createLibp2p } from 'libp2p'
import {
  CIRCUIT_HOP,
  endlessPrefix,
  framesAndAnswers,
  garbageFrames,
  halfFrames,
  idleSockets,
  oversizeFrame,
  replayedSignature,
} from './soak-hostile.ts'

const [relayAddr, sourceIp, attack, durationArg] = process.argv.slice(2)
if (relayAddr === undefined || sourceIp === undefined || attack === undefined) {
  console.error('usage: soak-hostile-worker.ts RELAY_MULTIADDR SOURCE_IP ATTACK [DURATION_MS]')
  process.exit(2)
}
const durationMs = Number(durationArg ?? 0)

type WsConstructor = new (
  url: string | URL,
  protocols: string | string[] | undefined,
  options: { localAddress: string },
) => object
// ws is the WebSocket library @libp2p/websockets itself runs on: here it gives a client that can
// bind its source address, which the platform WebSocket cannot. It ships no types.
const wsModuleName = 'ws'
const WsWebSocket = ((await import(wsModuleName)) as { WebSocket: WsConstructor }).WebSocket
class BoundWebSocket extends WsWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { localAddress: sourceIp! })
  }
}
;(globalThis as { WebSocket: unknown }).WebSocket = BoundWebSocket

async function node(): Promise<Libp2p> {
  return createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() },
  })
}

const m = /\/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(relayAddr)
if (m === null) throw new Error(`need an /ip4/…/tcp/… relay address, got ${relayAddr}`)
const host = m[1]!
const port = Number(m[2])

/** Each attack on a fresh node (a fresh connection), so a reset connection does not end the run. */
const ATTACKS: Record<string, (n: Libp2p) => Promise<Record<string, unknown>>> = {
  'endless-prefix-mailbox': async (n) => ({
    ...(await endlessPrefix(n, relayAddr, MAILBOX_PROTOCOL)),
  }),
  'endless-prefix-hop': async (n) => ({ ...(await endlessPrefix(n, relayAddr, CIRCUIT_HOP)) }),
  'half-frames': async (n) => ({ ...(await halfFrames(n, relayAddr, 24, 64 * 1024, 3_000)) }),
  'idle-sockets': async () => ({ ...(await idleSockets(host, port, sourceIp, 24, 15_000)) }),
  flood: async (n) => {
    // Deposits to a mailbox that does not exist, as fast as answers come: rate_limited soon.
    const frame = encodeRequest({
      deposit: {
        mailboxId: randomBytes(32),
        capability: randomBytes(32),
        expiryS: 3600,
        sealed: new Uint8Array(1024),
      },
    })
    const answers = await framesAndAnswers(
      n,
      relayAddr,
      Array.from({ length: 600 }, () => frame),
      20_000,
    )
    const counts: Record<string, number> = {}
    for (const a of answers) counts[a ?? 'cut'] = (counts[a ?? 'cut'] ?? 0) + 1
    return { answers: counts }
  },
  oversize: async (n) => ({ ...(await oversizeFrame(n, relayAddr)) }),
  garbage: async (n) => ({
    answers: await framesAndAnswers(n, relayAddr, garbageFrames(20, randomBytes)),
  }),
  replay: async (n) => ({ answers: await replayedSignature(n, relayAddr) }),
}

async function runOne(name: string): Promise<void> {
  const fn = ATTACKS[name]
  if (fn === undefined) throw new Error(`no attack ${name}`)
  const n = await node()
  const started = performance.now()
  try {
    const outcome = await fn(n)
    process.stdout.write(JSON.stringify({ attack: name, ...outcome }) + '\n')
  } catch (err) {
    process.stdout.write(
      JSON.stringify({
        attack: name,
        error: err instanceof Error ? err.message : String(err),
        ms: performance.now() - started,
      }) + '\n',
    )
  } finally {
    try {
      await n.stop()
    } catch {
      // already torn down by the relay's resets
    }
  }
}

if (attack === 'rotation') {
  // Imports are loaded and the first attack starts now: the soak measures from here.
  process.stdout.write('{"ready":true}\n')
  const until = Date.now() + durationMs
  const names = Object.keys(ATTACKS)
  for (let i = 0; Date.now() < until; i++) await runOne(names[i % names.length]!)
} else {
  await runOne(attack)
}
process.exit(0)
