/**
 * Multi-device tests over a real relay (issue 19): one loopback relay, client nodes that come
 * online (and are all stopped at the end), and per-device mailboxes whose sealed frames a device
 * drains and opens itself (ADR 0760: no mailbox secret is shared between devices).
 */
import type { Libp2p } from '@libp2p/interface'
import { mailboxClientFor, startClientNode, waitFor } from '../relay-helpers.ts'
import { systemPlatform as p } from '../../../core/src/crypto/platform.ts'
import {
  createMailboxKeys,
  openSealed,
  sealForMailbox,
} from '../../../core/src/crypto/sealed-envelope.ts'
import {
  depositAddressOf,
  newMailboxCredentials,
  type MailboxClient,
  type MailboxCredentials,
} from '../../../core/src/mailbox/index.ts'
import { startLoopbackRelay, type TestRelay } from './loopback-relay.ts'

/**
 * Two client nodes for a device link over `relayAddr`: `fresh` (the new device) listens on a
 * circuit address through the relay, `existing` dials it. Resolves once `fresh` has its circuit
 * address; stop both nodes when done.
 */
export async function startLinkNodes(
  relayAddr: string,
): Promise<{ existing: Libp2p; fresh: Libp2p }> {
  const fresh = await startClientNode({ relayAddr })
  const existing = await startClientNode()
  await waitFor(
    () => fresh.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')),
    10_000,
  )
  return { existing, fresh }
}

/** A device's own mailbox on the relay (what its Hello would tell each contact). */
export interface DeviceMailbox {
  creds: MailboxCredentials
  seal: ReturnType<typeof createMailboxKeys>
}

export class DeviceMailboxes {
  readonly relay: TestRelay
  readonly #nodes: Libp2p[] = []
  readonly #clients: MailboxClient[] = []

  private constructor(relay: TestRelay) {
    this.relay = relay
  }

  static async start(): Promise<DeviceMailboxes> {
    return new DeviceMailboxes(await startLoopbackRelay())
  }

  /** A new client node connected to the relay, stopped by `stop()`. */
  async online(): Promise<{ node: Libp2p; client: MailboxClient }> {
    const node = await startClientNode()
    this.#nodes.push(node)
    const client = mailboxClientFor(node, this.relay.multiaddrs[0]!)
    this.#clients.push(client)
    return { node, client }
  }

  /** Creates a mailbox with fresh credentials and sealing keys. */
  async open(client: MailboxClient): Promise<DeviceMailbox> {
    const box = { creds: newMailboxCredentials(), seal: createMailboxKeys(p.random) }
    await client.create(box.creds)
    return box
  }

  /** Seals `frame` for `box` and deposits it there through `client` (a sender's connection). */
  async deposit(client: MailboxClient, box: DeviceMailbox, frame: Uint8Array): Promise<void> {
    await client.deposit(
      depositAddressOf(box.creds),
      await sealForMailbox(box.seal.publicKey, frame),
    )
  }

  /** Drains the mailbox and opens every sealed frame, in order. */
  async drain(client: MailboxClient, box: DeviceMailbox): Promise<Uint8Array[]> {
    const frames: Uint8Array[] = []
    await client.drain(box.creds, async (messages) => {
      for (const m of messages) frames.push(await openSealed(box.seal.secretKey, m.sealed))
    })
    return frames
  }

  async stop(): Promise<void> {
    for (const c of this.#clients) await c.close()
    for (const n of this.#nodes) await n.stop()
    await this.relay.stop()
  }
}
