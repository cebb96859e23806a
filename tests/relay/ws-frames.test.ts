/**
 * How mailbox requests travel over the relay's WebSocket transport (ADR 0245). Each request and
 * each answer is one WebSocket message, which holds whole noise messages ([2-byte length]
 * [ciphertext]…). Before the dependency patches there were four messages per exchange each way:
 * @libp2p/websockets sent the length and the ciphertext as two messages
 * (patches/@libp2p+websockets+10.1.21.patch), and yamux sent a window update after every data
 * frame (patches/@chainsafe+libp2p-yamux+8.0.1.patch). Each message is a socket write at one end
 * and a message event at the other. A loopback TCP proxy between a client node and the relay
 * reads the WebSocket frames both ways.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect } from 'node:net'
import type { Server, Socket } from 'node:net'
import type { Libp2p } from '@libp2p/interface'
import { depositAddressOf, newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { startRelay } from '@hestia/relay-node'
import type { RelayHandle } from '@hestia/relay-node'
import {
  mailboxClientFor,
  sealedOf,
  startClientNode,
  tempDir,
} from '../integration/relay-helpers.ts'

const OPCODE_BINARY = 0x2

/** The binary WebSocket messages seen in one direction, payloads unmasked. */
class FrameReader {
  #buf = Buffer.alloc(0)
  #upgraded = false
  readonly messages: Buffer[] = []

  push(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk])
    if (!this.#upgraded) {
      const end = this.#buf.indexOf('\r\n\r\n')
      if (end < 0) return
      this.#upgraded = true
      this.#buf = this.#buf.subarray(end + 4)
    }
    for (;;) {
      const frame = this.#nextFrame()
      if (frame === undefined) return
      if (frame.opcode === OPCODE_BINARY) this.messages.push(frame.payload)
    }
  }

  #nextFrame(): { opcode: number; payload: Buffer } | undefined {
    const b = this.#buf
    if (b.length < 2) return undefined
    const opcode = b[0]! & 0x0f
    const masked = (b[1]! & 0x80) !== 0
    let len = b[1]! & 0x7f
    let off = 2
    if (len === 126) {
      if (b.length < 4) return undefined
      len = b.readUInt16BE(2)
      off = 4
    } else if (len === 127) {
      if (b.length < 10) return undefined
      len = Number(b.readBigUInt64BE(2))
      off = 10
    }
    const maskAt = off
    if (masked) off += 4
    if (b.length < off + len) return undefined
    const payload = Buffer.from(b.subarray(off, off + len))
    if (masked) for (let i = 0; i < len; i++) payload[i]! ^= b[maskAt + (i % 4)]!
    this.#buf = b.subarray(off + len)
    return { opcode, payload }
  }
}

/** True when `payload` is one or more whole noise transport messages back to back. */
function wholeNoiseMessages(payload: Buffer): boolean {
  let off = 0
  while (off < payload.length) {
    if (payload.length - off < 2) return false
    off += 2 + payload.readUInt16BE(off)
  }
  return off === payload.length
}

let relay: RelayHandle
let proxy: Server
let node: Libp2p
/** The relay's address with the proxy's port. */
let proxiedAddr: string
const sockets: Socket[] = []
const toRelay = new FrameReader()
const toClient = new FrameReader()

before(async () => {
  relay = await startRelay({
    dataDir: tempDir(),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    stunPort: -1,
    adminPort: -1,
    logLevel: 'silent',
  })
  const relayAddr = relay.multiaddrs[0]!
  const relayPort = Number(/\/tcp\/(\d+)\//.exec(relayAddr)![1])
  proxy = createServer((client) => {
    const upstream = connect(relayPort, '127.0.0.1')
    sockets.push(client, upstream)
    client.on('data', (d: Buffer) => {
      toRelay.push(d)
      upstream.write(d)
    })
    upstream.on('data', (d: Buffer) => {
      toClient.push(d)
      client.write(d)
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const proxyPort = (proxy.address() as { port: number }).port
  node = await startClientNode()
  proxiedAddr = relayAddr.replace(`/tcp/${relayPort}/`, `/tcp/${proxyPort}/`)
})

after(async () => {
  await node.stop()
  for (const s of sockets) s.destroy()
  await new Promise((resolve) => proxy.close(resolve))
  await relay.stop()
})

test('mailbox requests over WebSockets: one message per request and per answer, each of whole noise messages', async () => {
  const client = mailboxClientFor(node, proxiedAddr)
  const box = newMailboxCredentials()
  // The connection's set-up (multistream-select in clear text, the noise handshake) comes first;
  // only what follows is noise transport messages.
  await client.create(box)
  const fromRelayBefore = toClient.messages.length
  const toRelayBefore = toRelay.messages.length

  const deposits = 20
  for (let i = 0; i < deposits; i++) {
    await client.deposit(depositAddressOf(box), sealedOf(1024, i))
  }
  const { messages } = await client.fetch(box)
  assert.equal(messages.length, deposits, 'every deposit came back through the proxy')

  const fromRelay = toClient.messages.slice(fromRelayBefore)
  const sent = toRelay.messages.slice(toRelayBefore)
  // At least one message per request and answer each way: the check below cannot pass on nothing.
  assert.ok(fromRelay.length >= deposits, `relay sent ${fromRelay.length} messages`)
  assert.ok(sent.length >= deposits, `client sent ${sent.length} messages`)
  // One message per request and per answer (20 deposits and the fetch), with room for a ping or
  // an identify push: a window update per data frame, or a message per chunk, would double it.
  const exchanges = deposits + 1
  assert.ok(fromRelay.length <= exchanges + 3, `relay sent ${fromRelay.length} for ${exchanges}`)
  assert.ok(sent.length <= exchanges + 3, `client sent ${sent.length} for ${exchanges}`)
  const split = (ms: Buffer[]) => ms.filter((m) => !wholeNoiseMessages(m)).map((m) => m.length)
  assert.deepEqual(split(fromRelay), [], 'relay → client: a noise message split across messages')
  assert.deepEqual(split(sent), [], 'client → relay: a noise message split across messages')
})
