import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { stunResponse } from './stun-server.ts'

/** The `stun` npm package decodes our responses: an independent check of the encoding. */
const stun = createRequire(import.meta.url)('stun') as {
  createMessage: (type: number) => { toBuffer(): Buffer; transactionId: Buffer }
  decode: (b: Buffer) => {
    getXorAddress(): { address: string; port: number }
    transactionId: Buffer
    type: number
  }
  constants: Record<string, number>
}

for (const [address, port] of [
  ['203.0.113.7', 54321],
  ['2001:db8::1', 3478],
  ['::1', 1],
] as const) {
  void test(`Binding response carries ${address}:${port} as XOR-MAPPED-ADDRESS`, () => {
    const req = stun.createMessage(stun.constants.STUN_BINDING_REQUEST!)
    const res = stunResponse(req.toBuffer(), { address, port })
    assert.ok(res !== undefined)
    const decoded = stun.decode(res)
    assert.equal(decoded.type, stun.constants.STUN_BINDING_RESPONSE)
    assert.deepEqual(decoded.transactionId, req.transactionId)
    const mapped = decoded.getXorAddress()
    assert.equal(mapped.port, port)
    assert.equal(
      mapped.address
        .replace(/^0:0:0:0:0:0:0:1$/, '::1')
        .replace(/^2001:db8:0:0:0:0:0:1$/, '2001:db8::1'),
      address,
    )
  })
}

void test('random datagrams never produce a response and never throw', () => {
  for (let i = 0; i < 20_000; i++) {
    const b = Buffer.alloc(Math.floor(Math.random() * 64))
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(Math.random() * 256)
    if (b.length >= 8) b.writeUInt32BE(0x2112a442, 4) // make the cookie check pass sometimes
    const r = stunResponse(b, { address: '127.0.0.1', port: 1 })
    if (r !== undefined) {
      // Only a well-formed Binding request may get an answer.
      assert.equal(b.readUInt16BE(0), 0x0001)
      assert.equal(b.readUInt16BE(2), b.length - 20)
    }
  }
})
