/**
 * STUN: the relay's UDP port answers RFC 5389 Binding requests with the client's address and port,
 * checked with an independent STUN client (the `stun` npm package); malformed packets get no answer.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import type { Socket } from 'node:dgram'
import { createRequire } from 'node:module'
import { startRelay } from '@hestia/relay-node'
import type { RelayHandle } from '@hestia/relay-node'
import { tempDir } from './relay-helpers.ts'

interface StunResponseLike {
  getXorAddress(): { address: string; port: number; family: string }
}

/** The independent client: the `stun` npm package (CommonJS, untyped). */
const stun = createRequire(import.meta.url)('stun') as {
  request: (u: string, o: object, cb: (err: Error | null, res: StunResponseLike) => void) => void
}

function stunRequest(url: string, socket: Socket): Promise<StunResponseLike> {
  return new Promise((resolve, reject) => {
    stun.request(url, { socket, retries: 3, timeout: 200 }, (err, res) =>
      err ? reject(err) : resolve(res),
    )
  })
}

async function boundSocket(): Promise<Socket> {
  const s = createSocket('udp4')
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()))
  return s
}

function closeQuietly(s: Socket): void {
  try {
    s.close()
  } catch {
    // the STUN library may have closed it already
  }
}

let relay: RelayHandle

before(async () => {
  relay = await startRelay({
    dataDir: tempDir(),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    stunHost: '127.0.0.1',
    stunPort: 0,
    adminPort: 0,
    logLevel: 'silent',
  })
})

after(async () => {
  await relay.stop()
})

async function stunCounter(result: 'answered' | 'ignored'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${relay.adminPort}/metrics`)).text()
  const m = new RegExp(`hestia_relay_stun_requests_total\\{result="${result}"\\} (\\d+)`).exec(text)
  return m === null ? 0 : Number(m[1])
}

void test('a Binding request returns the client address and port (XOR-MAPPED-ADDRESS)', async () => {
  assert.ok(relay.stunPort !== undefined && relay.stunPort > 0)
  const socket = await boundSocket()
  const clientPort = socket.address().port
  const res = await stunRequest(`stun://127.0.0.1:${relay.stunPort}`, socket)
  const mapped = res.getXorAddress()
  assert.equal(mapped.address, '127.0.0.1')
  assert.equal(mapped.port, clientPort)
  closeQuietly(socket)
})

void test('malformed packets are ignored and the server keeps answering good ones', async () => {
  const ignoredBefore = await stunCounter('ignored')
  const socket = await boundSocket()
  const replies: Buffer[] = []
  socket.on('message', (m: Buffer) => replies.push(m))
  const cookie = Buffer.from([0x21, 0x12, 0xa4, 0x42])
  const tx = Buffer.alloc(12, 7)
  const header = (type: number, length: number, c = cookie) => {
    const b = Buffer.alloc(20)
    b.writeUInt16BE(type, 0)
    b.writeUInt16BE(length, 2)
    c.copy(b, 4)
    tx.copy(b, 8)
    return b
  }
  const bad = [
    Buffer.alloc(0),
    Buffer.from('hello stun'),
    header(0x0001, 0).subarray(0, 19), // truncated header
    header(0x0001, 0, Buffer.from([1, 2, 3, 4])), // wrong magic cookie
    header(0x0101, 0), // a response, not a request
    header(0x0001, 8), // length field says 8, body is empty
    Buffer.concat([header(0x0001, 6), Buffer.alloc(6)]), // length not a multiple of 4
    Buffer.concat([header(0x0001, 8), Buffer.from([0, 1, 0, 40, 0, 0, 0, 0])]), // attribute overruns
    header(0xc001, 0), // top bits set
    Buffer.alloc(2000, 1), // oversize
  ]
  for (const pkt of bad) socket.send(pkt, relay.stunPort, '127.0.0.1')
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(replies.length, 0, 'no reply to any malformed packet')
  assert.equal((await stunCounter('ignored')) - ignoredBefore, bad.length)
  socket.close()
  const good = await boundSocket()
  const res = await stunRequest(`stun://127.0.0.1:${relay.stunPort}`, good)
  assert.equal(res.getXorAddress().port, good.address().port)
  closeQuietly(good)
})
