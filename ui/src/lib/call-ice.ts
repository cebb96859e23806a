// Where the call window's RTCPeerConnection learns its public address: the STUN responder of the
// user's own relays (ADR 0204), never a third party's. The relay answers STUN on UDP 3478 by
// default; a relay on loopback or a private address needs none (nothing to traverse), so those are
// left out, and with no usable relay the list is empty (host candidates only, enough on a LAN).
// Known gap: a relay announcing another STUN port (mailbox `info.stunPort`) is not followed yet.

/** The relay's default STUN port (relay-node --stun-port, ADR 0204). */
export const RELAY_STUN_PORT = 3478
/** At most this many STUN servers: each one is asked during every ICE gathering. */
export const MAX_STUN_SERVERS = 2

function isLocalHost(host: string): boolean {
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

/** `stun:` URLs for the relays' hosts, from multiaddrs like `/dns4/relay.example/tcp/443/wss/p2p/…`. */
export function iceServersForRelays(relays: readonly string[]): RTCIceServer[] {
  const urls: string[] = []
  for (const relay of relays) {
    const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\//.exec(relay)
    if (m === null) continue
    const host = m[2]!
    if (isLocalHost(host)) continue
    const url =
      m[1] === 'ip6' ? `stun:[${host}]:${RELAY_STUN_PORT}` : `stun:${host}:${RELAY_STUN_PORT}`
    if (!urls.includes(url)) urls.push(url)
    if (urls.length === MAX_STUN_SERVERS) break
  }
  return urls.length === 0 ? [] : [{ urls }]
}
