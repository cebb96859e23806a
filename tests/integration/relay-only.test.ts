/**
 * Relay-only mode (issue #18, ADR 0752), with real nodes that both have WebRTC: once Ana turns it
 * on, messages and files in both directions arrive through the relay's mailboxes, her contact's
 * attempt to open a direct connection is refused before any connection exists, and at no point
 * does Ana's node hold a WebRTC connection.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  ensureDirect,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'
import { sha256OfFile, type NodeFileStorage } from './support/files-storage.ts'
import { stageFile, waitTransferState, withFiles } from './support/staged-files.ts'

describe('messenger: relay-only mode', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let storeA: NodeFileStorage
  let storeB: NodeFileStorage
  let convA: string
  let convB: string
  /** Every connection Ana's (restarted) node opened, by remote address. */
  const opened: string[] = []

  const webrtcConnections = (peer: TestPeer) =>
    peer.service.node!.getConnections().filter((c) => c.remoteAddr.toString().includes('/webrtc'))

  before(async () => {
    relay = await startTestRelay(undefined, 0, { fileFallbackCapBytes: 1024 * 1024 })
    a = new TestPeer('ana', relay.multiaddrs)
    b = new TestPeer('ben', relay.multiaddrs)
    storeA = withFiles(a, { directWaitMs: 2_000 })
    storeB = withFiles(b, { directWaitMs: 2_000 })
    await a.start()
    await b.start()
    ;({ convA, convB } = await connectPeers(a, b))
    // A direct connection exists before: the mode has something to close.
    await ensureDirect(b, a, relay.multiaddrs[0]!)
    assert.equal(webrtcConnections(a).length > 0, true)
    const before = a.service.node
    await a.must({ type: 'settings.update', patch: { relayOnly: true } })
    await waitUntil('ana runs a new node in relay-only mode', () => {
      const node = a.service.node
      return node !== null && node !== before && a.service.messenger !== null
    })
    a.service.node!.addEventListener('connection:open', (e) =>
      opened.push(e.detail.remoteAddr.toString()),
    )
    await waitUntil('ben sees no direct connection to ana', () => webrtcConnections(b).length === 0)
  })

  after(async () => {
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    await rm(storeA.dir, { recursive: true, force: true })
    await rm(storeB.dir, { recursive: true, force: true })
    await rm(relay.dataDir, { recursive: true, force: true }).catch(() => undefined)
    releaseWebRTC()
  })

  test('the setting is stored and reported', async () => {
    const settings = await a.must({ type: 'settings.get' })
    assert.equal(settings.relayOnly, true)
  })

  test('a contact dialling directly is refused; no WebRTC connection comes up', async () => {
    await assert.rejects(
      b.service.node!.dial(
        multiaddr(
          `${relay.multiaddrs[0]!}/p2p-circuit/webrtc/p2p/${a.service.node!.peerId.toString()}`,
        ),
        { signal: AbortSignal.timeout(15_000) },
      ),
    )
    assert.deepEqual(webrtcConnections(a), [])
    assert.deepEqual(webrtcConnections(b), [])
  })

  test('messages both ways arrive through the mailbox', async () => {
    const sentBefore = a.sent.length
    const { message: toB } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'from ana, relay-only',
    })
    const { message: toA } = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'from ben',
    })
    await waitUntil('ben has ana’s message', () => b.addedAt.has(toB.messageId))
    await waitUntil('ana has ben’s message', () => a.addedAt.has(toA.messageId))
    const mine = a.sent.slice(sentBefore)
    assert.ok(mine.length > 0)
    assert.deepEqual(
      [...new Set(mine.map((s) => s.route))],
      ['mailbox'],
      'everything ana sent went to the mailbox',
    )
  })

  test('files both ways arrive through the mailbox', async () => {
    for (const [from, to, store, sink, conv] of [
      [a, b, storeA, storeB, convA],
      [b, a, storeB, storeA, convB],
    ] as const) {
      const { file, sha256 } = await stageFile(store, 150_000, `from-${from.name}.bin`)
      const { transfer } = await from.must({ type: 'transfer.offer', conversationId: conv, file })
      const id = transfer.transferId
      await waitTransferState(to, id, ['offered'])
      await to.must({ type: 'transfer.accept', transferId: id })
      const done = await waitTransferState(to, id, ['completed', 'failed'], 45_000)
      assert.equal(done.state, 'completed', JSON.stringify(done.error))
      assert.equal(done.route, 'mailbox', `${from.name} → ${to.name}`)
      assert.equal(await sha256OfFile(sink.sinks.get(id)!.finalPath), sha256)
    }
  })

  test('a file over the relay’s cap is refused at once with a sentence, instead of waiting forever', async () => {
    const before = (await b.history(convB)).length
    const { file } = await stageFile(storeA, 1024 * 1024 + 1, 'over-cap.bin')
    const res = await a.req({ type: 'transfer.offer', conversationId: convA, file })
    assert.ok(!res.ok)
    assert.equal(res.error.code, 'too_large')
    assert.match(res.error.message, /relay-only mode files go only through the relay/)
    assert.match(res.error.message, /1 MiB/)
    // Nothing was offered: no transfer on either side, no file message for ben.
    const mine = (await a.must({ type: 'transfers.list', conversationId: convA })).transfers
    assert.ok(mine.every((t) => t.name !== 'over-cap.bin'))
    await new Promise((r) => setTimeout(r, 500))
    assert.equal((await b.history(convB)).length, before)
  })

  test('calls: ana cannot call; ben’s call is declined without ringing; ana keeps a missed call', async () => {
    const refused = await a.req({ type: 'call.start', conversationId: convA, media: 'audio' })
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'invalid_state')
    const eventsA = a.events.length
    const eventsB = b.events.length
    const { call } = await b.must({ type: 'call.start', conversationId: convB, media: 'audio' })
    // What ben's call window would hand its node: an offer naming a DTLS fingerprint.
    const fp = `sha-256 ${Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':')}`
    const sdp = [
      'v=0',
      'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'a=group:BUNDLE 0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'c=IN IP4 0.0.0.0',
      `a=fingerprint:${fp}`,
      'a=setup:actpass',
      'a=mid:0',
      'a=rtpmap:111 opus/48000/2',
      '',
    ].join('\r\n')
    await b.must({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'offer', sdp, dtlsFingerprint: fp },
    })
    await waitUntil('ben’s call ends declined', () =>
      b.events
        .slice(eventsB)
        .some(
          (e) =>
            e.type === 'call.updated' &&
            e.call.callId === call.callId &&
            e.call.state === 'ended' &&
            e.call.endReason === 'declined',
        ),
    )
    assert.equal(
      a.events.slice(eventsA).some((e) => e.type === 'call.updated'),
      false,
      'ana’s side never rang',
    )
    await waitUntil('ana records a missed call', async () =>
      (await a.history(convA)).some(
        (m) => m.messageId === call.callId && m.body.kind === 'call' && m.body.outcome === 'missed',
      ),
    )
  })

  test('through all of it, ana’s node never opened a WebRTC connection', () => {
    assert.ok(opened.length > 0, 'the new node did open connections (to the relay)')
    assert.deepEqual(
      opened.filter((addr) => addr.includes('/webrtc')),
      [],
    )
    assert.deepEqual(webrtcConnections(a), [])
    assert.deepEqual(webrtcConnections(b), [])
  })

  test('turned off: a fresh node accepts a direct connection again', async () => {
    const before = a.service.node
    await a.must({ type: 'settings.update', patch: { relayOnly: false } })
    await waitUntil('ana runs a new node with direct connections allowed', () => {
      const node = a.service.node
      return node !== null && node !== before && a.service.messenger !== null
    })
    await ensureDirect(b, a, relay.multiaddrs[0]!)
    assert.ok(webrtcConnections(a).length > 0, 'a WebRTC connection with ben')
  })
})
