import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseDefaultRelays } from './default-relays.ts'

const peer = '12D3KooWGRUVh8Ld8wrJ2i1HW5ZJqUejLi7oGFhy7Y6f4VPG8U3R'
const loopback = `/ip4/127.0.0.1/tcp/4001/ws/p2p/${peer}`
const publicWss = `/dns4/relay.example.org/tcp/443/wss/p2p/${peer}`

describe('parseDefaultRelays', () => {
  test('a test build keeps a loopback relay; production drops it and keeps wss://', () => {
    const raw = `${loopback}, ${publicWss}`
    assert.deepEqual(parseDefaultRelays(raw, { allowLoopbackRelays: true }), [loopback, publicWss])
    assert.deepEqual(parseDefaultRelays(raw, { allowLoopbackRelays: false }), [publicWss])
  })

  test('garbage, duplicates and addresses without a peer id are dropped', () => {
    const raw = `not-an-address ${loopback} ${loopback} /ip4/127.0.0.1/tcp/1/ws`
    assert.deepEqual(parseDefaultRelays(raw, { allowLoopbackRelays: true }), [loopback])
    assert.deepEqual(parseDefaultRelays(undefined, { allowLoopbackRelays: true }), [])
  })
})
