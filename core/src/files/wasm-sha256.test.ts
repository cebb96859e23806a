import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { wasmSha256 } from './wasm-sha256.ts'
import { nobleSha256 } from './sealer.ts'

test('the WebAssembly SHA-256 gives the same digest as noble and node:crypto for any split of the input', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 40_000 }), { maxLength: 6 }),
      async (parts) => {
        const wasm = await wasmSha256()
        const noble = await nobleSha256()
        const node = createHash('sha256')
        for (const p of parts) {
          wasm.update(p)
          noble.update(p)
          node.update(p)
        }
        const expected = new Uint8Array(node.digest())
        assert.deepEqual(wasm.digest(), expected)
        assert.deepEqual(noble.digest(), expected)
      },
    ),
    { numRuns: 50 },
  )
})

test('two hashers at once do not share state (two transfers in parallel)', async () => {
  const a = await wasmSha256()
  const b = await wasmSha256()
  a.update(new TextEncoder().encode('abc'))
  b.update(new TextEncoder().encode('xyz'))
  assert.equal(
    Buffer.from(a.digest()).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', // FIPS 180-2 "abc"
  )
  assert.equal(
    Buffer.from(b.digest()).toString('hex'),
    createHash('sha256').update('xyz').digest('hex'),
  )
})
