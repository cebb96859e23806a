/**
 * Shared helpers for the relay integration tests: a real libp2p client in Node that dials the relay
 * over WebSockets on loopback, and a MailboxClient bound to it.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { MAILBOX_PROTOCOL, MailboxClient } from '@hestia/core/mailbox/index.ts'
import type { MailboxClientInit } from '@hestia/core/mailbox/index.ts'
import { createLibp2p } from 'libp2p'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir(prefix = 'hestia-relay-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function startClientNode(options: { relayListen?: boolean } = {}): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: options.relayListen === true ? ['/p2p-circuit'] : [] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Tests dial ws:// on loopback, which the default gater refuses.
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() },
  })
}

export function mailboxClientFor(
  node: Libp2p,
  relayAddr: string,
  extra: Partial<MailboxClientInit> = {},
): MailboxClient {
  const addr = multiaddr(relayAddr)
  return new MailboxClient({
    openStream: (opts) => node.dialProtocol(addr, MAILBOX_PROTOCOL, opts),
    ...extra,
  })
}

export function sealedOf(size: number, fill: number): Uint8Array {
  return new Uint8Array(size).fill(fill)
}
