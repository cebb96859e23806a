/**
 * Forgets peers the relay has no use for any more: once a peer's last connection closes and it
 * holds no circuit relay reservation, its peer store record is deleted.
 *
 * Why: libp2p's peer store keeps every peer that ever connected (identify writes its key,
 * protocols, addresses and agent version), and expires a record only when something reads it
 * again; a relay never does, so a client that comes once (or an attacker with a fresh identity per
 * connection) stays in memory for the life of the process. The relay dials no one and reaches a
 * reserved peer over its open connection, so a disconnected peer's record is never needed
 * (ADR 0212). A periodic `sweep()` catches records written after the disconnect (an identify or
 * reservation answer still in flight) and reservations that expired after it.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'

export interface PeerStorePrunerInit {
  /** True while the relay still needs the peer's record (it holds a reservation). */
  keep: (peer: PeerId) => boolean
  onError?: (err: unknown) => void
}

export class PeerStorePruner {
  private readonly node: Libp2p
  private readonly init: PeerStorePrunerInit
  private readonly onDisconnect = (e: CustomEvent<PeerId>) => {
    void this.forget(e.detail)
  }

  constructor(node: Libp2p, init: PeerStorePrunerInit) {
    this.node = node
    this.init = init
    node.addEventListener('peer:disconnect', this.onDisconnect)
  }

  /** Deletes every record of a peer with no connection and no reservation; returns how many. */
  async sweep(): Promise<number> {
    const idle: PeerId[] = []
    for (const peer of await this.node.peerStore.all()) {
      if (this.removable(peer.id)) idle.push(peer.id)
    }
    for (const id of idle) await this.node.peerStore.delete(id)
    return idle.length
  }

  stop(): void {
    this.node.removeEventListener('peer:disconnect', this.onDisconnect)
  }

  private removable(peer: PeerId): boolean {
    return (
      !peer.equals(this.node.peerId) &&
      this.node.getConnections(peer).length === 0 &&
      !this.init.keep(peer)
    )
  }

  private async forget(peer: PeerId): Promise<void> {
    try {
      if (this.removable(peer)) await this.node.peerStore.delete(peer)
    } catch (err) {
      this.init.onError?.(err)
    }
  }
}
