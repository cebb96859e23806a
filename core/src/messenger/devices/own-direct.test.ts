// Who may open /hestia/own/1.0.0 (own-direct.ts, devices.md): the handler takes frames only on a
// direct connection; a relayed one is reset before a byte is read, even from an admitted device
// and even when the relay set no limits (libp2p then runs handlers on it as on a direct one).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Connection, StreamHandler } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { OwnDirect } from './own-direct.ts'
import { peerIdBytes, type MessengerNet } from '../net.ts'

const laptop = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const [laptopId, relayId] = [laptop.toString(), relay.toString()]

/** A frame naming the laptop as its sender (the handler's own checks stop there; `take` is ours). */
function frameFromLaptop(): Uint8Array {
  const from = peerIdBytes(laptop)
  return Uint8Array.of(0x01, from.length, ...from, ...new Uint8Array(12 + 17 + 8).fill(7))
}

async function serveOn(remoteAddr: string) {
  let handler: StreamHandler | undefined
  const net = {
    handle: (_p: string, h: StreamHandler) => Promise.resolve(void (handler = h)),
    unhandle: () => Promise.resolve(),
    getConnections: () => [],
  } as unknown as MessengerNet
  const taken: Uint8Array[] = []
  const direct = new OwnDirect({
    net: () => net,
    relays: () => [],
    admits: () => Promise.resolve(true), // a linked, listed device of ours
    take: (_device, frame) => Promise.resolve(void taken.push(frame)),
    log: () => undefined,
  })
  await direct.serve()
  const connection = {
    remotePeer: laptop,
    remoteAddr: multiaddr(remoteAddr),
    status: 'open',
    limits: undefined,
  } as unknown as Connection
  const [near, far] = await streamPair()
  void handler!(far, connection)
  const lp = lpStream(near)
  await lp.write(frameFromLaptop())
  const ack = await lp
    .read({ signal: AbortSignal.timeout(5_000) })
    .then((a) => a.subarray()[0])
    .catch(() => null)
  await direct.close()
  return { ack, taken: taken.length }
}

test('a direct connection from an admitted device: the frame is taken (0x01)', async () => {
  const seen = await serveOn(`/ip4/127.0.0.1/tcp/4001/p2p/${laptopId}`)
  assert.deepEqual(seen, { ack: 0x01, taken: 1 })
})

test('a relayed connection without limits: reset, nothing taken', async () => {
  const seen = await serveOn(`/ip4/127.0.0.1/tcp/4001/p2p/${relayId}/p2p-circuit/p2p/${laptopId}`)
  assert.deepEqual(seen, { ack: null, taken: 0 })
})
