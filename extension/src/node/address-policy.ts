// Which addresses the browser node may dial. Replaces libp2p's browser default gater (which
// refuses every ws:// and private address) with the build's policy from plasmo.config.ts:
// test builds may use loopback relays; production only reaches public hosts, and over
// WebSockets only with TLS (wss). Relay addresses come from peers (invites, hellos), so every
// form that reaches a host other than a public one is refused: see
// docs/adr/0306-relay-address-gate-ranges-and-dns-names.md.

import type { Multiaddr } from '@multiformats/multiaddr'

export interface AddressPolicy {
  readonly allowLoopbackRelays: boolean
}

export interface AddressVerdict {
  readonly allowed: boolean
  readonly reason: string
}

interface Part {
  readonly name: string
  readonly value?: string
}

type HostClass = 'public' | 'loopback' | 'refused'

interface HostJudgement {
  readonly kind: HostClass
  readonly reason: string
}

const PUBLIC: HostJudgement = { kind: 'public', reason: 'public host' }
const LOOPBACK: HostJudgement = { kind: 'loopback', reason: 'loopback' }
const refused = (reason: string): HostJudgement => ({ kind: 'refused', reason })

/** Four octets of a dotted-quad IPv4 address, or undefined for any other spelling. */
function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const octets = parts.map((p) => (/^[0-9]{1,3}$/.test(p) ? Number(p) : NaN))
  return octets.every((o) => o >= 0 && o <= 255) ? octets : undefined
}

/**
 * Sixteen bytes of an IPv6 address. The WHATWG URL parser canonicalises the spelling first
 * (embedded IPv4, leading zeros, upper case), so `::ffff:127.0.0.1` and `0:0:0:0:0:ffff:7f00:1`
 * reach the checks below as the same bytes.
 */
function parseIPv6(text: string): Uint8Array | undefined {
  let canonical: string
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1)
  } catch {
    return undefined
  }
  const [head = '', tail] = canonical.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = 8 - headGroups.length - tailGroups.length
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined
  const groups = [
    ...headGroups,
    ...Array<string>(tail === undefined ? 0 : missing).fill('0'),
    ...tailGroups,
  ]
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    const v = parseInt(g, 16)
    bytes[2 * i] = v >> 8
    bytes[2 * i + 1] = v & 0xff
  })
  return bytes
}

function judgeIPv4(o: readonly number[]): HostJudgement {
  const [a = 0, b = 0, c = 0] = o
  if (a === 127) return LOOPBACK
  if (a === 0) return refused('"this network" address (0.0.0.0/8)')
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
    return refused('private address')
  if (a === 100 && b >= 64 && b <= 127) return refused('carrier-grade NAT address (100.64.0.0/10)')
  if (a === 169 && b === 254) return refused('link-local address (169.254.0.0/16)')
  if (a === 192 && b === 0 && c === 0) return refused('IETF protocol assignment (192.0.0.0/24)')
  if (a === 198 && (b === 18 || b === 19)) return refused('benchmarking address (198.18.0.0/15)')
  if (a >= 224 && a <= 239) return refused('multicast address (224.0.0.0/4)')
  if (a >= 240) return refused('reserved or broadcast address (240.0.0.0/4)')
  return PUBLIC
}

function judgeIPv6(b: Uint8Array): HostJudgement {
  const zeroUpTo = (n: number) => b.subarray(0, n).every((x) => x === 0)
  if (zeroUpTo(15) && b[15] === 1) return LOOPBACK
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff)
    return refused('IPv4-mapped IPv6 address (::ffff:0:0/96)')
  if (zeroUpTo(12)) return refused('unspecified or IPv4-compatible IPv6 address (::/96)')
  const first = b[0] ?? 0
  const second = b[1] ?? 0
  if (first === 0xff) return refused('multicast address (ff00::/8)')
  if ((first & 0xfe) === 0xfc) return refused('unique local address (fc00::/7)')
  if (first === 0xfe && (second & 0xc0) === 0x80) return refused('link-local address (fe80::/10)')
  if (first === 0xfe && (second & 0xc0) === 0xc0) return refused('site-local address (fec0::/10)')
  if (first === 0x01 && second === 0x00 && zeroUpTo(8))
    return refused('discard-only address (100::/64)')
  if (first === 0x00 && second === 0x64 && b[2] === 0xff && b[3] === 0x9b)
    return refused('NAT64 address (64:ff9b::/96)')
  return PUBLIC
}

/** Names that only ever resolve inside the machine or the local network (RFC 6761, 6762, 8375). */
const LOCAL_ONLY_SUFFIXES = ['.localhost', '.local', '.home.arpa', '.internal', '.lan', '.intranet']

function judgeDnsName(name: string): HostJudgement {
  const host = name.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return LOOPBACK
  if (!host.includes('.')) return refused('single-label DNS name (resolves only locally)')
  if (LOCAL_ONLY_SUFFIXES.some((s) => host.endsWith(s))) return refused('local-only DNS name')
  // A dotted quad written as a DNS name would skip the IP checks above.
  if (parseIPv4(host) !== undefined) return refused('IP address written as a DNS name')
  return PUBLIC
}

function judgeHost(name: string, value: string): HostJudgement {
  if (name === 'ip4') {
    const octets = parseIPv4(value)
    return octets === undefined ? refused('malformed IPv4 address') : judgeIPv4(octets)
  }
  if (name === 'ip6') {
    const bytes = parseIPv6(value)
    return bytes === undefined ? refused('malformed IPv6 address') : judgeIPv6(bytes)
  }
  if (name === 'dns' || name === 'dns4' || name === 'dns6' || name === 'dnsaddr')
    return judgeDnsName(value)
  return refused(`unsupported host part /${name}`)
}

/**
 * Judges the first hop of an address (a relay for `/p2p-circuit` addresses): the part before
 * any `/p2p-circuit`. Pure, so it is unit-tested without a node.
 */
export function judgeAddress(parts: readonly Part[], policy: AddressPolicy): AddressVerdict {
  const circuit = parts.findIndex((p) => p.name === 'p2p-circuit')
  const hop = circuit === -1 ? parts : parts.slice(0, circuit)
  const host = hop[0]
  if (host === undefined) return { allowed: false, reason: 'empty address' }
  if (host.name === 'p2p') {
    // `/p2p/<id>/...` without a network part: libp2p resolves it through known addresses,
    // each of which passes through this gate again.
    return { allowed: true, reason: 'peer id only' }
  }
  const names = hop.map((p) => p.name)
  const secureWs = names.includes('wss') || (names.includes('tls') && names.includes('ws'))
  const plainWs = names.includes('ws') && !secureWs
  const judged = judgeHost(host.name, host.value ?? '')
  if (judged.kind === 'loopback') {
    return policy.allowLoopbackRelays
      ? { allowed: true, reason: 'loopback (test build)' }
      : { allowed: false, reason: 'loopback addresses are for test builds only' }
  }
  if (judged.kind === 'refused') return { allowed: false, reason: judged.reason }
  if (plainWs) return { allowed: false, reason: 'ws:// without TLS to a public host' }
  if (!secureWs) return { allowed: false, reason: 'the browser node dials relays over wss:// only' }
  return { allowed: true, reason: 'wss:// to a public host' }
}

/** libp2p ConnectionGater hook: true means deny. */
export function denyDialMultiaddr(policy: AddressPolicy): (address: Multiaddr) => boolean {
  return (address) => !judgeAddress(address.getComponents(), policy).allowed
}
