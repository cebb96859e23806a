/**
 * Reachability across real NATs (issue 21, ADR 0450). The test builds its own small internet in
 * network namespaces (topology.ts): the relay (CLI, with its STUN responder) and coturn on a
 * "public" namespace, and for each pair of NAT kinds two users, each in a home namespace behind its
 * own iptables NAT — full-cone (1:1 SNAT/DNAT), port-restricted (MASQUERADE) or symmetric
 * (MASQUERADE --random-fully). Before trusting the peers, each NAT is classified from outside
 * (udp-mapping.ts) and must behave as labelled.
 *
 * Per pair, as the two users would notice it: they become contacts through the relay; a WebRTC
 * dial says whether a direct connection can exist; a message each way arrives (direct when it can,
 * else the mailbox); a small file arrives byte-identical; a call — the messenger's own E2EE
 * signalling with a data channel for media, ICE servers = the relay's STUN plus the TURN
 * credentials its `info` hands out — connects, through TURN where nothing else can (symmetric ↔
 * symmetric; there a STUN-only call must fail, which shows TURN is what carried it).
 *
 * Runs only as root with iproute2, iptables, nftables, procps (sysctl) and coturn present;
 * otherwise it skips and says why. Start-up is checked and retried once (ADR 0461).
 * Results: tests/artifacts/nat-reachability.json and the table printed at the end.
 * HESTIA_NAT_PAIRS=symmetric/symmetric,… runs only those pairs.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  PeerProcess,
  RELAY_STUN_PORT,
  TURN_PORT,
  newTurnSecret,
  probeNat,
  startReflector,
  startRelayCli,
  startTurn,
  stopAll,
} from './nat-lab.ts'
import { turnServers } from '../../relay-node/src/turn-credentials.ts'
import { runPair } from './nat-pair.ts'
import type { PairResult } from './nat-pair.ts'
import {
  NatTopology,
  PUBLIC_SERVICE_IP,
  missingPrerequisite,
  removeStaleNamespaces,
} from './topology.ts'
import type { NatKind } from './topology.ts'

const KINDS: NatKind[] = ['full-cone', 'port-restricted', 'symmetric']
const ALL_PAIRS: [NatKind, NatKind][] = KINDS.flatMap((a, i) =>
  KINDS.slice(i).map((b) => [a, b] as [NatKind, NatKind]),
)
const only = process.env.HESTIA_NAT_PAIRS?.split(',').filter(Boolean)
const PAIRS =
  only === undefined ? ALL_PAIRS : ALL_PAIRS.filter(([a, b]) => only.includes(`${a}/${b}`))

const skip = missingPrerequisite()
if (skip !== null) {
  console.log(`# SKIPPED: NAT reachability (network namespaces): ${skip}`)
  // Counted in the run's "skipped" total, not only shown as a skipped suite.
  test('NAT reachability across network namespaces', { skip }, () => undefined)
}

describe('reachability across NATs built in network namespaces', { skip: skip ?? false }, () => {
  const topology = new NatTopology()
  const results: PairResult[] = []
  let dir: string | undefined
  let relay: string
  let secret: string

  // Each start-up step is named in its error and timed in the log: a failure here fails the whole
  // suite, and CI's summary then shows this message (scripts/tap-failures.ts).
  before(async () => {
    await startUp('removing what an earlier run left', () => {
      const stale = removeStaleNamespaces()
      if (stale.namespaces.length > 0) {
        console.log(
          `# removed namespaces of an earlier run: ${stale.namespaces.join(' ')}` +
            (stale.killed.length > 0 ? `; ended its processes ${stale.killed.join(' ')}` : ''),
        )
      }
    })
    await startUp('making the public namespace', () => topology.createPublic())
    secret = newTurnSecret()
    dir = await startUp(`making a temporary directory in ${tmpdir()}`, () => {
      const made = mkdtempSync(join(tmpdir(), 'hestia-nat-'))
      mkdirSync(join(made, 'turn'))
      return made
    })
    await startUp('starting coturn', () => startTurn(topology.pub, join(dir!, 'turn'), secret))
    relay = await startUp('starting the relay', async () => {
      return (await startRelayCli(topology.pub, join(dir!, 'relay'), secret)).multiaddr
    })
    await startUp('starting the NAT reflector', () => startReflector(topology.pub))
  })

  // Cleanup must not fail the suite once every test passed (nor hide a failure): each step is
  // tried, and what went wrong is printed. The results are written first.
  after(async () => {
    const out = resolve(import.meta.dirname, '..', 'artifacts')
    const steps: [string, () => unknown][] = [
      [
        'writing tests/artifacts/nat-reachability.json',
        () => {
          mkdirSync(out, { recursive: true })
          writeFileSync(join(out, 'nat-reachability.json'), JSON.stringify(results, null, 2) + '\n')
        },
      ],
      ['stopping the processes', () => stopAll()],
      ['deleting the namespaces', () => topology.destroy()],
      [
        `removing ${dir ?? 'the temporary directory'}`,
        () =>
          dir !== undefined &&
          rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }),
      ],
    ]
    for (const [what, fn] of steps) {
      try {
        await fn()
      } catch (err) {
        console.log(`# cleanup: ${what} failed: ${(err as Error).message}`)
      }
    }
    console.log('# NAT pair | direct WebRTC | message route | file | call path')
    for (const r of results) {
      console.log(
        `# ${r.pair} | ${r.direct ? `yes (${r.directMs} ms)` : 'no'} | ${r.messageRoutes.join('/')} | ` +
          `${r.file.state} via ${r.file.route} | ${r.call.connected ? `${r.call.local}/${r.call.remote} in ${r.call.ms} ms` : 'failed'}`,
      )
    }
  })

  // The attacker's side of ADR 0450: only credentials derived from the shared secret, and only
  // until their expiry, get a TURN allocation (a relay candidate); the relay's own pass.
  test('coturn allocates only for credentials derived from the shared secret, until they expire', async () => {
    const home = topology.createHome(60, 'symmetric')
    const probe = new PeerProcess('probe', home)
    try {
      const url = `turn:${PUBLIC_SERVICE_IP}:${TURN_PORT}?transport=udp`
      const now = Date.now()
      const fresh = turnServers({ urls: [url], secret, ttlSeconds: 600 }, now)[0]!
      const expired = turnServers({ urls: [url], secret, ttlSeconds: 600 }, now - 3_600_000)[0]!
      const forged = turnServers(
        { urls: [url], secret: `${secret}-guess`, ttlSeconds: 600 },
        now,
      )[0]!
      const gather = (t: { username: string; credential: string }) =>
        probe.rpc<string[]>('gatherTypes', {
          iceServers: [{ urls: [url], username: t.username, credential: t.credential }],
          bindAddress: home.ip,
        })
      assert.ok((await gather(fresh)).includes('relay'), 'derived credentials get an allocation')
      assert.ok(!(await gather(expired)).includes('relay'), 'an expired credential gets none')
      assert.ok(
        !(await gather(forged)).includes('relay'),
        'a credential from another secret gets none',
      )
      const { credential } = fresh
      const stretched = { username: String(Number(fresh.username) + 86_400), credential }
      assert.ok(
        !(await gather(stretched)).includes('relay'),
        'a later expiry with the old credential gets none',
      )
    } finally {
      await probe.stop()
      topology.removeHome(home)
    }
  })

  for (const [i, [kindA, kindB]] of PAIRS.entries()) {
    test(`${kindA} ↔ ${kindB}: contacts, messages, a file and a call get through`, async () => {
      const homeA = topology.createHome(2 * i + 1, kindA)
      const homeB = topology.createHome(2 * i + 2, kindB)
      const peers: PeerProcess[] = []
      try {
        // The NATs are what their labels say, seen from outside.
        for (const home of [homeA, homeB]) {
          const seen = probeNat(home)
          assert.equal(
            seen.mapping,
            home.nat === 'symmetric' ? 'per-destination' : 'endpoint-independent',
            `${home.nat} mapping`,
          )
          assert.equal(seen.unsolicitedGetsIn, home.nat === 'full-cone', `${home.nat} filtering`)
        }
        const a = new PeerProcess(`alice (${kindA})`, homeA)
        const b = new PeerProcess(`bob (${kindB})`, homeB)
        peers.push(a, b)
        const stun = `stun:${PUBLIC_SERVICE_IP}:${RELAY_STUN_PORT}`
        const result = await runPair({ a, b, homeA, homeB, relay, stun })
        results.push(result)
        assertPair(result)
      } finally {
        const t0 = performance.now()
        await Promise.all(peers.map((p) => p.stop()))
        console.log(
          `# ${kindA} ↔ ${kindB}: users stopped in ${Math.round(performance.now() - t0)} ms`,
        )
        topology.removeHome(homeA)
        topology.removeHome(homeB)
      }
    })
  }
})

/** Runs one start-up step; its error says which step failed and how long it had run. */
async function startUp<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now()
  try {
    const value = await fn()
    console.log(`# ${what}: ${Math.round(performance.now() - t0)} ms`)
    return value
  } catch (err) {
    const ms = Math.round(performance.now() - t0)
    throw new Error(`NAT lab start-up, ${what} (after ${ms} ms): ${(err as Error).message}`, {
      cause: err,
    })
  }
}

/** What a user would notice, per pair; where direct cannot work, the fallbacks must. */
function assertPair(r: PairResult): void {
  const [kindA, kindB] = r.kinds
  const directPossible =
    !(kindA === 'symmetric' && kindB === 'symmetric') &&
    !([kindA, kindB].includes('symmetric') && [kindA, kindB].includes('port-restricted'))
  assert.equal(
    r.direct,
    directPossible,
    `direct WebRTC ${directPossible ? 'works' : 'cannot work'} for ${r.pair}: ${r.directError ?? ''}`,
  )
  assert.deepEqual(r.messagesArrived, [true, true], 'a message each way arrives')
  for (const route of r.messageRoutes) assert.equal(route, directPossible ? 'direct' : 'mailbox')
  assert.equal(r.file.state, 'completed', `file: ${JSON.stringify(r.file)}`)
  assert.equal(r.file.sameBytes, true, 'the file arrives byte-identical')
  assert.equal(r.file.route, directPossible ? 'direct' : 'mailbox')
  assert.equal(r.call.connected, true, `call: ${JSON.stringify(r.call)}`)
  assert.ok(r.turnOffered, 'the relay handed out TURN credentials')
  if (kindA === 'symmetric' && kindB === 'symmetric') {
    assert.ok(
      r.call.local === 'relay' || r.call.remote === 'relay',
      `the call went through TURN: ${JSON.stringify(r.call)}`,
    )
    assert.equal(r.stunOnlyCall?.connected, false, 'without TURN the same call fails')
  }
}
