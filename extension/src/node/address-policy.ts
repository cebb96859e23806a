// Which addresses the browser node may dial. Replaces libp2p's browser default gater (which
// refuses every ws:// and private address) with the build's policy from plasmo.config.ts:
// test builds may use loopback relays; production only reaches public hosts, and over
// WebSockets only with TLS (wss).

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

function isLoopbackHost(name: string, value: string): boolean {
  if (name === 'ip4') return value.startsWith('127.')
  if (name === 'ip6') return value === '::1' || value === '0:0:0:0:0:0:0:1'
  return name.startsWith('dns') && value.toLowerCase() === 'localhost'
}

function isPrivateHost(name: string, value: string): boolean {
  if (name === 'ip4') {
    const [a = -1, b = -1] = value.split('.').map(Number)
    return (
      a === 0 ||
      a === 10 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    )
  }
  if (name === 'ip6') {
    const v = value.toLowerCase()
    return (
      v === '::' ||
      v.startsWith('fc') ||
      v.startsWith('fd') ||
      v.startsWith('fe8') ||
      v.startsWith('fe9') ||
      v.startsWith('fea') ||
      v.startsWith('feb')
    )
  }
  return false
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
  const hostValue = host.value ?? ''
  const names = hop.map((p) => p.name)
  const secureWs = names.includes('wss') || (names.includes('tls') && names.includes('ws'))
  const plainWs = names.includes('ws') && !secureWs
  if (isLoopbackHost(host.name, hostValue)) {
    return policy.allowLoopbackRelays
      ? { allowed: true, reason: 'loopback (test build)' }
      : { allowed: false, reason: 'loopback addresses are for test builds only' }
  }
  if (isPrivateHost(host.name, hostValue)) return { allowed: false, reason: 'private address' }
  if (plainWs) return { allowed: false, reason: 'ws:// without TLS to a public host' }
  if (!secureWs) return { allowed: false, reason: 'the browser node dials relays over wss:// only' }
  return { allowed: true, reason: 'wss:// to a public host' }
}

/** libp2p ConnectionGater hook: true means deny. */
export function denyDialMultiaddr(policy: AddressPolicy): (address: Multiaddr) => boolean {
  return (address) => !judgeAddress(address.getComponents(), policy).allowed
}
