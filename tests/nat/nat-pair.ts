/**
 * One NAT pair of the reachability test, start to end, as the two users would go through it:
 * become contacts, (try to) connect directly, a message each way, a small file, a call. Returns
 * what happened; the test decides what must have happened (nat-reachability.test.ts).
 */
import type { IceServerSpec } from './nat-call.ts'
import type { PeerProcess } from './nat-lab.ts'
import type { Home, NatKind } from './topology.ts'

const FILE_BYTES = 200 * 1024

interface CallOutcome {
  connected: boolean
  ms?: number
  local?: string | null
  remote?: string | null
  error?: string
}

export interface PairResult {
  pair: string
  kinds: [NatKind, NatKind]
  /** Both users started and contacts of each other (invite accepted, invite mailbox closed). */
  contactsMs: number
  direct: boolean
  directMs: number
  directError?: string
  messagesArrived: [boolean, boolean]
  messageRoutes: string[]
  messageMs: number[]
  file: { state: string; route: string | null; sameBytes: boolean; ms: number; sender?: unknown }
  turnOffered: boolean
  call: CallOutcome
  /** Symmetric ↔ symmetric only: the same call with STUN alone (the control). */
  stunOnlyCall?: CallOutcome
}

export interface PairSetup {
  a: PeerProcess
  b: PeerProcess
  homeA: Home
  homeB: Home
  relay: string
  stun: string
}

/** Contacts through the relay: B accepts A's invite; both settle on one conversation. */
async function becomeContacts(s: PairSetup): Promise<{ peerA: string; peerB: string }> {
  const start = (p: PeerProcess, home: Home) =>
    p.rpc<{ peerId: string }>(
      'start',
      { name: p.name, relay: s.relay, stun: s.stun, bindAddress: home.ip },
      60_000,
    )
  const [{ peerId: peerA }, { peerId: peerB }] = await Promise.all([
    start(s.a, s.homeA),
    start(s.b, s.homeB),
  ])
  const link = await s.a.rpc<string>('invite')
  await s.b.rpc('accept', { link }, 60_000)
  await s.a.rpc('settled', {}, 60_000)
  return { peerA, peerB }
}

/**
 * One WebRTC dial B → A through the relay; a second only if the first failed fast (the known
 * init-channel race of @libp2p/webrtc, FINDINGS.md), never a second full timeout.
 */
async function tryDirect(s: PairSetup, peerA: string) {
  type Dial = { direct: boolean; ms: number; error?: string }
  let dial = await s.b.rpc<Dial>('dialDirect', { peerId: peerA, timeoutMs: 12_000 }, 20_000)
  if (!dial.direct && dial.ms < 6000) {
    dial = await s.b.rpc<Dial>('dialDirect', { peerId: peerA, timeoutMs: 12_000 }, 20_000)
  }
  return dial
}

async function messages(s: PairSetup) {
  const routes: string[] = []
  const arrived: [boolean, boolean] = [false, false]
  const ms: number[] = []
  for (const [i, from, to] of [
    [0, s.a, s.b],
    [1, s.b, s.a],
  ] as const) {
    const text = `hello from ${from.name} ${Date.now()}`
    const sent = await from.rpc<{ route: string }>('send', { text, timeoutMs: 30_000 }, 40_000)
    routes.push(sent.route)
    ms.push(await to.rpc<number>('waitText', { text, timeoutMs: 30_000 }, 40_000))
    arrived[i] = true
  }
  return { routes, arrived, ms }
}

async function sendFile(s: PairSetup) {
  const t0 = performance.now()
  const { transferId, sha256 } = await s.a.rpc<{ transferId: string; sha256: string }>(
    'offerFile',
    { size: FILE_BYTES },
  )
  const got = await s.b.rpc<{ state: string; route: string | null; sha256: string | null }>(
    'receiveFile',
    { transferId, timeoutMs: 45_000 },
    60_000,
  )
  const sender =
    got.state === 'completed' ? undefined : await s.a.rpc('transferInfo', { transferId })
  return {
    state: got.state,
    route: got.route,
    sameBytes: got.sha256 === sha256,
    ms: Math.round(performance.now() - t0),
    ...(sender !== undefined ? { sender } : {}),
  }
}

async function call(
  s: PairSetup,
  iceServers: IceServerSpec[],
  timeoutMs: number,
): Promise<CallOutcome> {
  try {
    await s.a.rpc('callStart', { iceServers }, 20_000)
    await s.b.rpc('callAnswer', { iceServers, timeoutMs: 20_000 }, 30_000)
    const [onA, onB] = await Promise.all([
      s.a.rpc<CallOutcome>('callConnected', { timeoutMs }, timeoutMs + 10_000),
      s.b.rpc<CallOutcome>('callConnected', { timeoutMs }, timeoutMs + 10_000),
    ])
    return onA.connected && onB.connected
      ? onA
      : { ...onA, connected: false, error: onA.error ?? onB.error }
  } catch (err) {
    return { connected: false, error: (err as Error).message }
  } finally {
    await Promise.all([s.a.rpc('callEnd', {}, 10_000), s.b.rpc('callEnd', {}, 10_000)]).catch(
      () => undefined,
    )
  }
}

export async function runPair(s: PairSetup): Promise<PairResult> {
  const kinds: [NatKind, NatKind] = [s.homeA.nat, s.homeB.nat]
  const t0 = performance.now()
  const { peerA } = await becomeContacts(s)
  const contactsMs = Math.round(performance.now() - t0)
  const dial = await tryDirect(s, peerA)
  const msg = await messages(s)
  const file = await sendFile(s)
  const turn = await s.a.rpc<(IceServerSpec & { expiresAtMs: number })[]>('turnServers')
  const stunOnly: IceServerSpec[] = [{ urls: [s.stun] }]
  const bothSymmetric = kinds[0] === 'symmetric' && kinds[1] === 'symmetric'
  const stunOnlyCall = bothSymmetric ? await call(s, stunOnly, 8000) : undefined
  const withTurn = [
    ...stunOnly,
    ...turn.map(({ urls, username, credential }) => ({ urls, username, credential })),
  ]
  const callOutcome = await call(s, withTurn, 15_000)
  return {
    pair: `${kinds[0]} ↔ ${kinds[1]}`,
    kinds,
    contactsMs,
    direct: dial.direct,
    directMs: dial.ms,
    ...(dial.error !== undefined ? { directError: dial.error } : {}),
    messagesArrived: msg.arrived,
    messageRoutes: msg.routes,
    messageMs: msg.ms,
    file,
    turnOffered:
      turn.length > 0 && turn.every((t) => /^\d+$/.test(t.username!) && t.expiresAtMs > Date.now()),
    call: callOutcome,
    ...(stunOnlyCall !== undefined ? { stunOnlyCall } : {}),
  }
}
