// A libp2p peer in Node on 127.0.0.1 (WebSockets, noise, yamux, identify, ping) for the
// extension's node to dial: "the node still answers" means it completes a libp2p ping.

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'

export interface PingPeer {
  /** `/ip4/127.0.0.1/tcp/<port>/ws/p2p/<id>` */
  readonly address: string
  stop(): Promise<void>
}

export async function startPingPeer(): Promise<PingPeer> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
  })
  const address = node.getMultiaddrs().find((a) => a.toString().includes('/ws/'))
  if (address === undefined) throw new Error('The ping peer has no ws address on 127.0.0.1')
  return {
    address: address.toString(),
    stop: async () => {
      await node.stop()
    },
  }
}
