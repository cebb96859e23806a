// The relays a fresh install uses until the user edits them in Settings. They come from a
// build-time define, so a test or dev build can point at a local relay without code changes:
//
//   PLASMO_PUBLIC_HESTIA_RELAYS=/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooW… npm run build
//
// (Plasmo inlines `process.env.PLASMO_PUBLIC_*`.) Addresses the build's policy refuses (loopback
// or plain ws:// in production) are dropped here, so a production build only ever starts with
// wss:// relays; the connection gater (node/address-policy.ts) enforces the same at dial time.

import { multiaddr } from '@multiformats/multiaddr'
import { judgeAddress, type AddressPolicy } from '../node/address-policy.ts'

/** As many as the client API's settings carry. */
export const MAX_DEFAULT_RELAYS = 16

/** Parses a comma- or whitespace-separated list; keeps the addresses the policy allows. */
export function parseDefaultRelays(raw: string | undefined, policy: AddressPolicy): string[] {
  if (raw === undefined) return []
  const relays: string[] = []
  for (const text of raw.split(/[\s,]+/)) {
    if (text === '' || relays.includes(text)) continue
    try {
      const address = multiaddr(text)
      const hasPeer = address.getComponents().some((c) => c.name === 'p2p')
      if (hasPeer && judgeAddress(address.getComponents(), policy).allowed) relays.push(text)
    } catch {
      // Not a multiaddr: a broken define must not stop the extension from starting.
    }
    if (relays.length === MAX_DEFAULT_RELAYS) break
  }
  return relays
}

/** This bundle's default relays (the define is inlined at build time). */
export function buildDefaultRelays(policy: AddressPolicy): string[] {
  return parseDefaultRelays(process.env.PLASMO_PUBLIC_HESTIA_RELAYS, policy)
}
