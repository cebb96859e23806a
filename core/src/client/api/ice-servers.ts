/**
 * Which ICE servers our WebRTC may ask, derived from the user's own relays only (ADR 0452). Asking
 * a STUN or TURN server shows it our IP address; the user's relays see it already (we hold a
 * WebSocket to them), so they are the only servers we ever name. No public STUN server, ever.
 *
 * - STUN: the relay's own responder (ADR 0204) on the relay's host, port 3478. A relay on a
 *   loopback or private address needs none (nothing to traverse), so those are left out.
 * - TURN (calls only, ADR 0450): what the relay's mailbox `info` offers, kept only when the TURN
 *   URL names the relay's own host (an operator pointing at someone else's TURN server would hand
 *   that server our address), well-formed, and with enough lifetime left for a call to start.
 *
 * Pure functions over strings and numbers: the host fetches, caches and applies them.
 */

import type { IceServer } from './call-ice.ts'

export type { IceServer }

/** A TURN offer as the relay's `info` carries it (mailbox.proto TurnServer). */
export interface TurnOffer {
  readonly urls: readonly string[]
  readonly username: string
  readonly credential: string
  readonly expiresAtMs: bigint | number
}

/** The relay's default STUN port (relay-node --stun-port, ADR 0204). */
export const RELAY_STUN_PORT = 3478
/** At most this many STUN servers: each one is asked during every ICE gathering. */
export const MAX_STUN_SERVERS = 2
/** At most this many TURN URLs in all (the relay announces at most 4 per server, ADR 0450). */
export const MAX_TURN_URLS = 4
/**
 * A credential with less left than this is not used: the call's allocation would be refused at its
 * first refresh. A minute: the relay hands out at least 60 s (ADR 0450), and asks are fresh.
 */
export const TURN_MIN_REMAINING_MS = 60_000
/** Bounds on what a relay may hand us (its own are ~10 and 28 characters). */
const MAX_TURN_USERNAME = 128
const MAX_TURN_CREDENTIAL = 256
const MAX_URL_CHARS = 256

/** The host of a relay multiaddr (`/dns4/relay.example/tcp/443/wss/p2p/…`), lower case. */
export function relayHost(relay: string): { host: string; ip6: boolean } | undefined {
  const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\//.exec(relay)
  if (m === null) return undefined
  return { host: m[2]!.toLowerCase(), ip6: m[1] === 'ip6' }
}

/** Loopback, private (RFC 1918), unique-local and link-local hosts: no NAT between us and them. */
export function isLocalHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127\./.test(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host) ||
    /^f[cd][0-9a-f]{2}:/i.test(host) ||
    /^fe80:/i.test(host)
  )
}

/** `stun:` URLs for the relays' hosts, one server entry, or none. */
export function stunServersForRelays(relays: readonly string[]): IceServer[] {
  const urls: string[] = []
  for (const relay of relays) {
    const at = relayHost(relay)
    if (at === undefined || isLocalHost(at.host)) continue
    const url = at.ip6
      ? `stun:[${at.host}]:${RELAY_STUN_PORT}`
      : `stun:${at.host}:${RELAY_STUN_PORT}`
    if (!urls.includes(url)) urls.push(url)
    if (urls.length === MAX_STUN_SERVERS) break
  }
  return urls.length === 0 ? [] : [{ urls, username: null, credential: null }]
}

/** The host a `turn:`/`turns:` URL names, lower case without brackets; undefined if malformed. */
export function turnUrlHost(url: string): string | undefined {
  if (url.length > MAX_URL_CHARS) return undefined
  const m =
    /^turns?:(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?(?:\?transport=(?:udp|tcp))?$/i.exec(url)
  if (m === null) return undefined
  const port = m[2] === undefined ? 3478 : Number(m[2])
  if (port < 1 || port > 65_535) return undefined
  return m[1]!.replace(/^\[|\]$/g, '').toLowerCase()
}

/** Printable ASCII without spaces: what coturn's REST credentials are made of. */
const TOKEN = /^[\x21-\x7e]+$/

/**
 * The TURN servers `relay` offered that we may use at `now`: URLs on the relay's own host only,
 * well-formed credentials with at least TURN_MIN_REMAINING_MS left. Also when the earliest of them
 * expires (undefined when none is usable).
 */
export function turnServersFromRelay(
  relay: string,
  offers: readonly TurnOffer[],
  now: number,
): { servers: IceServer[]; expiresAtMs: number | undefined } {
  const at = relayHost(relay)
  const servers: IceServer[] = []
  let expiresAtMs: number | undefined
  let urlCount = 0
  if (at === undefined) return { servers, expiresAtMs }
  for (const offer of offers) {
    const expires = Number(offer.expiresAtMs)
    if (!Number.isSafeInteger(expires) || expires - now < TURN_MIN_REMAINING_MS) continue
    if (!validToken(offer.username, MAX_TURN_USERNAME)) continue
    if (!validToken(offer.credential, MAX_TURN_CREDENTIAL)) continue
    const urls = offer.urls.filter((u) => turnUrlHost(u) === at.host)
    const room = MAX_TURN_URLS - urlCount
    if (urls.length === 0 || room <= 0) continue
    const kept = [...new Set(urls)].slice(0, room)
    urlCount += kept.length
    servers.push({ urls: kept, username: offer.username, credential: offer.credential })
    expiresAtMs = Math.min(expiresAtMs ?? expires, expires)
  }
  return { servers, expiresAtMs }
}

function validToken(value: string, max: number): boolean {
  return value.length > 0 && value.length <= max && TOKEN.test(value)
}

/** RTCIceServer's shape (core has no DOM types). */
export interface RtcIceServerInit {
  urls: string[]
  username?: string
  credential?: string
}

/** As RTCPeerConnection takes them: no null username or credential. */
export function toRtcIceServers(servers: readonly IceServer[]): RtcIceServerInit[] {
  return servers.map((s) => ({
    urls: [...s.urls],
    ...(s.username !== null ? { username: s.username } : {}),
    ...(s.credential !== null ? { credential: s.credential } : {}),
  }))
}
