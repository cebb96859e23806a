// Fuzzes every multi-device decoder with random and mutated inputs: each must return a value or
// throw a ProtocolError, never anything else. Decoders: 100,000 inputs each; the full list
// verification (a signature check per input that gets that far): 5,000. Covers the list, the
// link frames, the address-book snapshot and sent copies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fromHex } from '../../crypto/bytes.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { splice, xorshift32, type Xorshift32 } from '../../../test-support/fuzz-bytes.ts'
import { verifyDeviceList } from './device-list.ts'
import { decodeDeviceList, decodeDeviceListBody } from './list-codec.ts'
import {
  decodeLinkGrant,
  decodeLinkHello,
  decodeLinkOffer,
  decodeLinkRequest,
  decodeLinkReveal,
  encodeLinkGrant,
  encodeLinkRequest,
} from './link-codec.ts'
import { decodeSentCopy, decodeSyncSnapshot, encodeSentCopy, encodeSyncSnapshot } from './sync.ts'

const DECODER_INPUTS = 100_000
const golden = JSON.parse(
  readFileSync(new URL('./golden/vectors.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, string>>
const g = (s: string, k: string) => fromHex(golden[s]![k]!)

function randomBytes(r: Xorshift32, max: number): Uint8Array {
  const out = new Uint8Array(r.below(4) === 0 ? r.below(max + 1) : r.below(97))
  for (let i = 0; i < out.length; i++) out[i] = r.next()
  return out
}

/** One to four edits of a valid encoding: flip, overwrite, insert, delete, truncate, splice. */
function mutate(r: Xorshift32, seed: Uint8Array): Uint8Array {
  let b: Uint8Array = seed.slice()
  for (let n = 1 + r.below(4); n > 0; n--) {
    const at = b.length === 0 ? 0 : r.below(b.length)
    const kind = r.below(6)
    if (kind === 0 && b.length) b[at]! ^= 1 << r.below(8)
    else if (kind === 1 && b.length) b[at] = r.next()
    else if (kind === 2) b = splice(b, at, 0, new Uint8Array([r.next()]))
    else if (kind === 3) b = splice(b, at, Math.min(1, b.length - at), new Uint8Array(0))
    else if (kind === 4) b = b.subarray(0, at)
    else if (kind === 5) b = splice(b, at, b.length - at, randomBytes(r, 16))
  }
  return b
}

function fuzz(
  name: string,
  seeds: Uint8Array[],
  decode: (b: Uint8Array) => unknown,
  inputs: number,
) {
  void test(`fuzz ${name}: ${inputs} inputs, a value or a ProtocolError`, () => {
    const r = xorshift32(0x9e3779b9 ^ (name.length * 7919))
    let accepted = 0
    for (let i = 0; i < inputs; i++) {
      const input = i % 5 === 0 ? randomBytes(r, 4096) : mutate(r, seeds[i % seeds.length]!)
      try {
        decode(input)
        accepted++
      } catch (err) {
        if (!isProtocolError(err)) assert.fail(`${name}: non-protocol error ${String(err)}`)
      }
    }
    // Every seed itself still decodes (the fuzzer starts from valid inputs).
    for (const s of seeds) decode(s)
    assert.ok(accepted < inputs, 'some inputs must be refused')
  })
}

const listSeeds = [g('listV1', 'bytes'), g('listV2', 'bytes')]
const request = encodeLinkRequest({
  deviceKey: new Uint8Array(32).fill(1),
  peerId: new Uint8Array(38).fill(2),
  signedPrekey: new Uint8Array(32).fill(3),
  pqPrekey: new Uint8Array(1184).fill(4),
  name: 'Firefox on the laptop',
})
const grant = encodeLinkGrant({
  deviceCert: fromHex(golden.alice!.primaryBundle!).subarray(4, 100),
  signedPrekey: new Uint8Array(100).fill(5),
  pqPrekey: new Uint8Array(1300).fill(6),
  deviceList: g('listV1', 'bytes'),
  sync: new Uint8Array(0),
})

fuzz(
  'device list',
  listSeeds,
  (b) => decodeDeviceListBody(decodeDeviceList(b).body),
  DECODER_INPUTS,
)
fuzz(
  'device list body',
  listSeeds.map((b) => decodeDeviceList(b).body),
  decodeDeviceListBody,
  DECODER_INPUTS,
)
fuzz('link offer', [g('link', 'offer')], decodeLinkOffer, DECODER_INPUTS)
fuzz('link hello', [g('link', 'hello')], decodeLinkHello, DECODER_INPUTS)
fuzz('link reveal', [g('link', 'reveal')], decodeLinkReveal, DECODER_INPUTS)
fuzz('link request', [request], decodeLinkRequest, DECODER_INPUTS)
fuzz('link grant', [grant], decodeLinkGrant, DECODER_INPUTS)
const snapshot = encodeSyncSnapshot([
  { identityKey: new Uint8Array(32).fill(8), displayName: 'Bob', verified: true, blocked: false },
  { identityKey: new Uint8Array(32).fill(9), displayName: 'Зоя', verified: false, blocked: true },
])
const sentCopy = encodeSentCopy({ peerIdentityKey: new Uint8Array(32).fill(1), payload: request })
fuzz('sync snapshot', [snapshot], decodeSyncSnapshot, DECODER_INPUTS)
fuzz('sent copy', [sentCopy], decodeSentCopy, DECODER_INPUTS)
fuzz(
  'device list verification',
  listSeeds,
  (b) => verifyDeviceList(b, { identityKey: g('alice', 'identityPublic') }),
  5_000,
)
