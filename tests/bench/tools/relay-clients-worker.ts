// One process of the relay memory bench's clients (lib/relay-client-pool.ts starts it):
//   node tests/bench/tools/relay-clients-worker.ts RELAY_MULTIADDR COUNT
// Starts COUNT libp2p clients that each hold a circuit relay v2 reservation on the relay, prints
// one JSON line {"reserved": n, "failedStarts": k, "notStarted": m} once all have one (or after
// RESERVE_WAIT_MS), then holds them until SIGTERM, when it stops them all and exits. Starting
// stops after START_BUDGET_MS (a machine too loaded to start them all in time): the clients not
// started are reported as `notStarted`, so the pool gets a figure instead of a timeout.

import type { Libp2p } from '@libp2p/interface'
import { startClientNode } from '../../integration/relay-helpers.ts'

const BATCH = 25
const RESERVE_WAIT_MS = 180_000
/** Start budget + RESERVE_WAIT_MS stay below the pool's 600 s wait for this process. */
const START_BUDGET_MS = 360_000

const [relayAddr, countText] = process.argv.slice(2)
const count = Number(countText)
if (relayAddr === undefined || !Number.isInteger(count) || count < 1) {
  console.error('usage: relay-clients-worker.ts RELAY_MULTIADDR COUNT')
  process.exit(2)
}

const clients: Libp2p[] = []
let stopping = false
process.on('SIGTERM', () => {
  stopping = true
  void (async () => {
    for (let i = 0; i < clients.length; i += 50)
      await Promise.allSettled(clients.slice(i, i + 50).map(async (c) => c.stop()))
    process.exit(0)
  })()
})

const reserved = (): number =>
  clients.filter((c) => c.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))).length

/** A reservation that times out at start (the relay busy admitting others) is tried again. */
const ATTEMPTS = 3
let failedStarts = 0
async function startOne(): Promise<Libp2p | null> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      // Like the messenger's nodes: no 10 s ping stream per client (3,000 clients made ~300 ping
      // streams a second on the relay, and a late answer on a busy machine dropped the client's
      // connection and with it its reservation).
      return await startClientNode({ relayListen: true, relayAddr, connectionMonitor: false })
    } catch {
      failedStarts++
    }
  }
  return null
}

const startUntil = Date.now() + START_BUDGET_MS
let attempted = 0
while (attempted < count && !stopping && Date.now() < startUntil) {
  const n = Math.min(BATCH, count - attempted)
  attempted += n
  const batch = await Promise.all(Array.from({ length: n }, startOne))
  for (const client of batch) if (client !== null) clients.push(client)
}
const until = Date.now() + RESERVE_WAIT_MS
while (!stopping && reserved() < clients.length && Date.now() < until)
  await new Promise((r) => setTimeout(r, 200))
console.log(JSON.stringify({ reserved: reserved(), failedStarts, notStarted: count - attempted }))
// Held until SIGTERM (the timer keeps the event loop alive even if every socket were gone).
setInterval(() => undefined, 60_000)
