/**
 * relay-only.ts: while the mode is on, every dial that could become a direct connection (a WebRTC
 * address, a bare PeerId) is refused with RelayOnlyError and never reaches libp2p; relay dials go
 * through; off, everything goes through. refuseDirect drops the WebRTC signalling handler and
 * closes WebRTC connections only (not the WebSocket ones to relays).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { MessengerNet } from './net.ts'
import {
  RelayOnlyError,
  WEBRTC_SIGNALING_PROTOCOL,
  mayGoDirect,
  refuseDirect,
  relayOnlyNet,
} from './relay-only.ts'

const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const RELAY = `/ip4/127.0.0.1/tcp/4001/ws/p2p/${peer.toString()}`
const WEBRTC = `${RELAY}/p2p-circuit/webrtc/p2p/${peer.toString()}`

function fakeNet(connections: Partial<Connection>[] = []) {
  const dialled: string[] = []
  const unhandled: string[] = []
  const net = {
    peerId: peer,
    dial: (target: unknown) => {
      dialled.push(String(target))
      return Promise.resolve({} as Connection)
    },
    dialProtocol: (target: unknown) => {
      dialled.push(String(target))
      return Promise.resolve({})
    },
    unhandle: (p: string) => {
      unhandled.push(p)
      return Promise.resolve()
    },
    handle: () => Promise.resolve(),
    getConnections: () => connections,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  } as unknown as MessengerNet
  return { net, dialled, unhandled }
}

describe('relay-only', () => {
  test('which dial targets could go direct', () => {
    assert.equal(mayGoDirect(multiaddr(WEBRTC)), true)
    assert.equal(mayGoDirect(peer), true, 'libp2p would pick the addresses itself')
    assert.equal(mayGoDirect([multiaddr(RELAY), multiaddr(WEBRTC)]), true)
    assert.equal(mayGoDirect(multiaddr(RELAY)), false)
  })

  test('on: direct dials refused before libp2p sees them; relay dials pass', async () => {
    const { net, dialled } = fakeNet()
    let on = true
    const guarded = relayOnlyNet(net, () => on)
    await assert.rejects(guarded.dial(multiaddr(WEBRTC)), RelayOnlyError)
    await assert.rejects(guarded.dial(peer), RelayOnlyError)
    await assert.rejects(
      guarded.dialProtocol(multiaddr(WEBRTC), '/hestia/chat/1.0.0'),
      RelayOnlyError,
    )
    assert.deepEqual(dialled, [], 'nothing reached the node')
    await guarded.dial(multiaddr(RELAY))
    await guarded.dialProtocol(multiaddr(RELAY), '/hestia/mailbox/1.0.0')
    assert.equal(dialled.length, 2)
    on = false
    await guarded.dial(multiaddr(WEBRTC))
    assert.equal(dialled.length, 3, 'off: direct dials go through again')
    assert.equal(guarded.peerId, peer)
  })

  test('refuseDirect: signalling handler removed, WebRTC connections closed, relays kept', async () => {
    const closed: string[] = []
    const conn = (addr: string): Partial<Connection> => ({
      status: 'open',
      remoteAddr: multiaddr(addr),
      close: () => {
        closed.push(addr)
        return Promise.resolve()
      },
    })
    const { net, unhandled } = fakeNet([conn(RELAY), conn(WEBRTC)])
    assert.equal(await refuseDirect(net), 1)
    assert.deepEqual(unhandled, [WEBRTC_SIGNALING_PROTOCOL])
    assert.deepEqual(closed, [WEBRTC])
  })
})
