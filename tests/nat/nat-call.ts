/**
 * A call in the NAT test: the messenger's own call signalling (ring, accept, offer and answer
 * through the Double Ratchet, DTLS fingerprint bound), with a node-datachannel PeerConnection
 * standing in for the browser's call window. Node has no camera or microphone, so the "media" is
 * one data channel: it rides the same ICE and DTLS as audio would, so it connects exactly when a
 * call's media could (TURN included), and an echo over it proves packets flow both ways.
 */
import { PeerConnection, initLogger } from 'node-datachannel'
import type { DataChannel, IceServer } from 'node-datachannel'
import type { ClientEvent, ClientRequest, ResponseFor } from '@hestia/core/client/api.ts'
import { sdpFingerprint } from '@hestia/core/client/call-fingerprint.ts'

export interface IceServerSpec {
  urls: string[]
  username?: string
  credential?: string
}

export interface CallHost {
  events: ClientEvent[]
  must<T extends ClientRequest>(request: T): Promise<Extract<ResponseFor<T>, { ok: true }>['value']>
}

/** RTCIceServer-style entries as node-datachannel takes them (credentials not inside a URL). */
export function toDataChannelIce(servers: IceServerSpec[]): (string | IceServer)[] {
  const out: (string | IceServer)[] = []
  for (const s of servers) {
    for (const url of s.urls) {
      const m = /^(stun|turn|turns):([^?:]+):(\d+)(\?transport=(udp|tcp))?$/.exec(url)
      if (m === null) throw new Error(`unsupported ICE URL ${url}`)
      if (m[1] === 'stun') out.push(url)
      else {
        const relayType = m[1] === 'turns' ? 'TurnTls' : m[5] === 'tcp' ? 'TurnTcp' : 'TurnUdp'
        out.push({
          hostname: m[2]!,
          port: Number(m[3]),
          username: s.username,
          password: s.credential,
          relayType,
        })
      }
    }
  }
  return out
}

/** How long the answer travels (E2EE, relay or direct) before the callee starts its checks. */
const ANSWER_HEAD_START_MS = 500

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

if (process.env.HESTIA_NAT_ICE_LOG !== undefined)
  initLogger('Debug', (level, message) => console.error(`[ice ${level}] ${message}`))

export class NatCall {
  readonly #host: CallHost
  readonly #pc: PeerConnection
  #callId: string | undefined
  #channel: DataChannel | undefined
  #open = false
  #gathered = false
  #answeredPings = 0
  #pong: string | undefined
  #offer: string | undefined
  #caller = false
  /** Connection states seen, for the report when media never came up. */
  readonly #states: string[] = []
  #t0 = performance.now()

  constructor(host: CallHost, iceServers: IceServerSpec[], bindAddress: string) {
    this.#host = host
    this.#pc = new PeerConnection('call', { iceServers: toDataChannelIce(iceServers), bindAddress })
    this.#pc.onGatheringStateChange((s) => {
      if (s === 'complete') this.#gathered = true
    })
    this.#pc.onDataChannel((dc) => this.#use(dc))
    this.#pc.onStateChange((st) => this.#states.push(st))
  }

  #use(dc: DataChannel): void {
    this.#channel = dc
    if (dc.isOpen()) this.#open = true
    dc.onOpen(() => (this.#open = true))
    dc.onMessage((msg) => {
      const text = typeof msg === 'string' ? msg : new TextDecoder().decode(msg)
      if (text.startsWith('ping:')) {
        this.#answeredPings++
        dc.sendMessage(`pong:${text.slice(5)}`)
      } else if (text.startsWith('pong:')) this.#pong = text.slice(5)
    })
  }

  /** Signals for this call, handled as the call window would (remote description, candidates). */
  onEvent(e: ClientEvent): void {
    if (e.type !== 'call.signal' || e.callId !== this.#callId) return
    const s = e.signal
    if (s.kind === 'offer') this.#offer = s.sdp
    else if (s.kind === 'answer') this.#pc.setRemoteDescription(s.sdp, 'answer')
    else if (s.kind === 'ice') this.#pc.addRemoteCandidate(s.candidate, s.sdpMid ?? '0')
  }

  /** Full SDP once gathering ended (candidates inside: no trickle needed), with its fingerprint. */
  async #localSdp(): Promise<{ sdp: string; dtlsFingerprint: string }> {
    await until('ICE gathering', () => this.#gathered, 10_000)
    const sdp = this.#pc.localDescription()?.sdp ?? ''
    const dtlsFingerprint = sdpFingerprint(sdp)
    if (dtlsFingerprint === null) throw new Error('local SDP without one a=fingerprint')
    return { sdp, dtlsFingerprint }
  }

  /** The caller: ring, then hand the node the offer. */
  async start(conversationId: string): Promise<string> {
    const { call } = await this.#host.must({ type: 'call.start', conversationId, media: 'audio' })
    this.#callId = call.callId
    this.#caller = true
    this.#t0 = performance.now()
    this.#use(this.#pc.createDataChannel('media'))
    const { sdp, dtlsFingerprint } = await this.#localSdp()
    await this.#host.must({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'offer', sdp, dtlsFingerprint },
    })
    return call.callId
  }

  /** The callee: wait for the ring, accept, apply the offer the node releases, answer. */
  async answer(timeoutMs: number): Promise<string> {
    let ringing: string | undefined
    await until(
      'ringing',
      () => {
        // The call whose latest state is ringing (earlier calls of this test have ended).
        const latest = new Map<string, string>()
        for (const e of this.#host.events) {
          if (e.type === 'call.updated') latest.set(e.call.callId, e.call.state)
        }
        ringing = [...latest].find(([, state]) => state === 'incoming_ringing')?.[0]
        return ringing !== undefined
      },
      timeoutMs,
    )
    this.#callId = ringing
    this.#t0 = performance.now()
    await this.#host.must({ type: 'call.accept', callId: ringing! })
    // The offer may have come with the accept's events already.
    for (const e of this.#host.events) this.onEvent(e)
    await until('offer', () => this.#offer !== undefined, timeoutMs)
    // The caller's candidates go in only after our answer is on its way, as trickle ICE would:
    // else our checks can reach the caller (through a full cone, at once) before the answer, and
    // libdatachannel fails DTLS for want of our fingerprint where a browser waits for it.
    const lines = this.#offer!.split('\r\n')
    const candidates = lines.filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2))
    const bare = lines.filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates')
    this.#pc.setRemoteDescription(bare.join('\r\n'), 'offer')
    const { sdp, dtlsFingerprint } = await this.#localSdp()
    await this.#host.must({
      type: 'call.signal',
      callId: ringing!,
      signal: { kind: 'answer', sdp, dtlsFingerprint },
    })
    await new Promise((r) => setTimeout(r, ANSWER_HEAD_START_MS))
    for (const c of candidates) this.#pc.addRemoteCandidate(c, '0')
    return ringing!
  }

  /**
   * Media up: the channel is open and an echo went round (the caller pings, the callee answers);
   * then both tell the node, as a window does. Returns the candidate types ICE settled on.
   */
  async connected(timeoutMs: number) {
    try {
      await until('media channel open', () => this.#open, timeoutMs)
      const nonce = Math.random().toString(36).slice(2)
      if (this.#caller) {
        this.#channel!.sendMessage(`ping:${nonce}`)
        await until('echo', () => this.#pong === nonce, 5000)
      } else {
        await until('ping from the caller', () => this.#answeredPings > 0, 5000)
      }
    } catch (err) {
      const candidates = (this.#pc.localDescription()?.sdp ?? '').match(/typ \w+/g) ?? []
      return { connected: false, error: (err as Error).message, states: this.#states, candidates }
    }
    const pair = this.#pc.getSelectedCandidatePair()
    await this.#host.must({
      type: 'call.signal',
      callId: this.#callId!,
      signal: { kind: 'media', state: 'connected', detail: null },
    })
    return {
      connected: true,
      ms: Math.round(performance.now() - this.#t0),
      local: pair?.local.type ?? null,
      remote: pair?.remote.type ?? null,
      remoteAddress: pair === null ? null : `${pair.remote.address}:${pair.remote.port}`,
    }
  }

  async end(): Promise<void> {
    if (this.#callId !== undefined) {
      await this.#host.must({ type: 'call.hangUp', callId: this.#callId }).catch(() => undefined)
    }
    this.#channel?.close()
    this.#pc.close()
  }
}

/**
 * The candidate types one ICE gathering yields with these servers (no peer needed): a TURN server
 * that refuses the credentials gives no `relay` candidate.
 */
export async function gatherTypes(
  iceServers: IceServerSpec[],
  bindAddress: string,
): Promise<string[]> {
  const pc = new PeerConnection('probe', { iceServers: toDataChannelIce(iceServers), bindAddress })
  let done = false
  pc.onGatheringStateChange((s) => {
    if (s === 'complete') done = true
  })
  const dc = pc.createDataChannel('probe')
  try {
    await until('ICE gathering', () => done, 10_000)
    const sdp = pc.localDescription()?.sdp ?? ''
    return [...sdp.matchAll(/ typ (\w+)/g)].map((m) => m[1]!)
  } finally {
    dc.close()
    pc.close()
  }
}
