/**
 * ada and ben on real messengers and a loopback relay, contacts, with a direct (WebRTC) connection
 * open between them: the set-up of the tests of the direct message path (issue 21: outbox bursts,
 * rows sealed in their commit, the inbox racing a presealed send).
 */
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  ensureDirect,
  releaseWebRTC,
  startTestRelay,
} from './messenger-harness.ts'

export interface DirectPair {
  relay: RelayHandle
  a: TestPeer
  b: TestPeer
  /** ada's conversation with ben, and ben's with ada. */
  convA: string
  convB: string
  /** Stops both and the relay, and lets node-datachannel go (call last). */
  stop(): Promise<void>
}

export interface DirectPairOptions {
  /** ben sends delivery receipts at once (settings delayReceipts off), not after ADR 0751's delay. */
  receiptsAtOnce?: boolean
  /** Runs on ada before she starts (her TestPeer.instrument, say). */
  beforeAdaStarts?: (a: TestPeer) => void
}

export async function startDirectPair(opts: DirectPairOptions = {}): Promise<DirectPair> {
  const relay = await startTestRelay()
  const a = new TestPeer('ada', relay.multiaddrs)
  const b = new TestPeer('ben', relay.multiaddrs)
  const stop = async (): Promise<void> => {
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  }
  try {
    opts.beforeAdaStarts?.(a)
    await a.start()
    await b.start()
    const { convA, convB } = await connectPeers(a, b)
    if (opts.receiptsAtOnce === true)
      await b.must({ type: 'settings.update', patch: { delayReceipts: false } })
    await ensureDirect(a, b, relay.multiaddrs[0]!)
    return { relay, a, b, convA, convB, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
