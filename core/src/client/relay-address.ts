// Checks a relay address the user typed, part by part, so the Settings screen can say which part
// is wrong and show an example instead of one sentence for every mistake (issue 23). The node runs
// the same check before saving (relay_address_invalid). Platform-free: no multiaddr parsing
// library here; the shapes accepted are the ones a relay prints (`hestia-relay` and `npm start`).

import { CLIENT_LIMITS } from './api.ts'

export const RELAY_ADDRESS_EXAMPLE = '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooW…'

export type RelayAddressPart = 'whole' | 'host' | 'port' | 'transport' | 'identity'

export type RelayAddressCheck =
  | { ok: true; host: string; port: number; secure: boolean; peerId: string }
  | { ok: false; part: RelayAddressPart; hint: string }

const HOST_KINDS = ['dns4', 'dns6', 'dns', 'ip4', 'ip6'] as const
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

function fail(part: RelayAddressPart, hint: string): RelayAddressCheck {
  return { ok: false, part, hint: `${hint} Example: ${RELAY_ADDRESS_EXAMPLE}` }
}

function validHost(kind: string, host: string): boolean {
  if (kind === 'ip4') return IPV4.test(host)
  if (kind === 'ip6') return host.includes(':') && /^[0-9a-f:.]+$/i.test(host)
  return DNS_NAME.test(host)
}

/** Libp2p PeerIds as relays print them: Ed25519 `12D3KooW…` (52) or RSA `Qm…` (46). */
function validPeerId(id: string): boolean {
  if (!BASE58.test(id)) return false
  return (
    (id.startsWith('12D3KooW') && id.length === 52) || (id.startsWith('Qm') && id.length === 46)
  )
}

/**
 * `/<dns4|dns6|dns|ip4|ip6>/<host>/tcp/<port>/<ws|wss|tls/ws>/p2p/<PeerId>`, checked part by part;
 * the first wrong part is named with a hint of what is expected there. `allowPlainTcp` also
 * accepts `/tcp/<port>/p2p/<PeerId>` (Node.js messengers; a browser cannot dial it).
 */
export function checkRelayAddress(
  text: string,
  options: { allowPlainTcp?: boolean } = {},
): RelayAddressCheck {
  const address = text.trim()
  if (address.length > CLIENT_LIMITS.relayAddressMaxChars)
    return fail(
      'whole',
      `A relay address is at most ${CLIENT_LIMITS.relayAddressMaxChars} characters.`,
    )
  if (/^(wss?|https?):\/\//i.test(address))
    return fail(
      'whole',
      'This looks like a web address. A relay address starts with / and names the host, port and relay key.',
    )
  if (!address.startsWith('/'))
    return fail('whole', 'A relay address starts with "/" (a libp2p multiaddr).')
  const parts = address.slice(1).split('/')
  const [kind = '', host = '', tcp = '', port = '', ...rest] = parts
  if (!(HOST_KINDS as readonly string[]).includes(kind))
    return fail('host', `It must start with /dns4/, /dns/, /ip4/ or /ip6/, not "/${kind}/".`)
  if (host === '') return fail('host', 'The host name or IP address is missing.')
  if (!validHost(kind, host))
    return fail(
      'host',
      kind === 'ip4'
        ? `"${host}" is not an IPv4 address (four numbers 0–255, like 203.0.113.7).`
        : kind === 'ip6'
          ? `"${host}" is not an IPv6 address.`
          : `"${host}" is not a valid host name.`,
    )
  if (tcp !== 'tcp') return fail('port', 'After the host comes /tcp/ and the port number.')
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : NaN
  if (!(portNumber >= 1 && portNumber <= 65_535))
    return fail('port', `"${port}" is not a port number (1–65535; relays usually use 443).`)
  let next = rest
  let secure: boolean
  if (next[0] === 'wss') {
    secure = true
    next = next.slice(1)
  } else if (next[0] === 'tls' && next[1] === 'ws') {
    secure = true
    next = next.slice(2)
  } else if (next[0] === 'ws') {
    secure = false
    next = next.slice(1)
  } else if (options.allowPlainTcp === true && next[0] === 'p2p') {
    // Node.js peers (tests, tools) dial relays over plain TCP; browsers need WebSockets.
    secure = false
  } else {
    return fail('transport', 'After the port comes /wss (or /ws for a relay on this computer).')
  }
  if (next[0] !== 'p2p' || next[1] === undefined || next[1] === '')
    return fail(
      'identity',
      'The relay key is missing: the address ends with /p2p/ and the relay ID.',
    )
  const peerId = next[1]
  if (next.length > 2) return fail('identity', 'Nothing may follow the relay ID.')
  if (!validPeerId(peerId))
    return fail(
      'identity',
      'The relay ID after /p2p/ is not valid (it starts with 12D3KooW and is 52 characters).',
    )
  return { ok: true, host, port: portNumber, secure, peerId }
}

/** A short name for a relay: host and port (`relay.example.org:443`, `[::1]:4510`). */
export function relayName(address: string): string {
  const match = /^\/(?:dns4|dns6|dns|ip4|ip6)\/([^/]+)\/tcp\/(\d+)/.exec(address)
  if (match === null) return address
  const host = match[1] ?? ''
  return `${host.includes(':') ? `[${host}]` : host}:${match[2] ?? ''}`
}
