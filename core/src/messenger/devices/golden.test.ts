// Golden vectors of the multi-device formats: (1) the committed vectors.json is exactly what the
// generator produces today, so any change to the wire bytes shows as a failing test and a diff;
// (2) the committed bytes are consumed on their own: lists verify, the hostile ones give their
// error, the link frames decode and the revealed key matches the offer's commitment.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { generateDevicesGolden } from '../../../test-support/devices-golden.ts'
import { bytesEqual, fromHex } from '../../crypto/bytes.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { acceptDeviceList, verifyDeviceList } from './device-list.ts'
import { decodeLinkHello, decodeLinkOffer, decodeLinkReveal } from './link-codec.ts'
import { linkCommitment } from './link.ts'

type Golden = Record<string, Record<string, string | number>>
const committed = JSON.parse(
  readFileSync(new URL('./golden/vectors.json', import.meta.url), 'utf8'),
) as Golden
const str = (section: string, key: string) => committed[section]![key] as string
const hex = (section: string, key: string) => fromHex(str(section, key))
const alice = { identityKey: hex('alice', 'identityPublic') }

void test('the generator reproduces the committed device vectors byte for byte', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(generateDevicesGolden())), committed)
})

void test('the committed lists verify and the newer one replaces the older', () => {
  const v1 = verifyDeviceList(hex('listV1', 'bytes'), alice)
  assert.equal(v1.listVersion, committed.listV1!.listVersion)
  assert.equal(v1.devices.length, 2)
  assert.ok(bytesEqual(v1.devices[1]!.bundle, hex('alice', 'companionBundle')))
  const v2 = acceptDeviceList(v1, hex('listV2', 'bytes'), alice)
  assert.equal(v2.devices.length, 1)
})

void test('each committed hostile list gives its error', () => {
  const v2 = verifyDeviceList(hex('listV2', 'bytes'), alice)
  const code = (fn: () => unknown) => {
    try {
      fn()
    } catch (err) {
      return isProtocolError(err) ? err.code : 'not a ProtocolError'
    }
    return 'accepted'
  }
  assert.equal(
    code(() => verifyDeviceList(hex('refused', 'unsignedList'), alice)),
    str('refused', 'unsignedCode'),
  )
  assert.equal(
    code(() => acceptDeviceList(v2, hex('refused', 'replayAfterV2'), alice)),
    str('refused', 'replayCode'),
  )
  const six = { identityKey: hex('refused', 'sixDevicesIdentity') }
  assert.equal(
    code(() => verifyDeviceList(hex('refused', 'sixDevicesList'), six)),
    str('refused', 'sixDevicesCode'),
  )
})

void test('the committed link frames decode and the reveal opens the offer commitment', () => {
  const offer = decodeLinkOffer(hex('link', 'offer'))
  decodeLinkHello(hex('link', 'hello'))
  const reveal = decodeLinkReveal(hex('link', 'reveal'))
  assert.ok(bytesEqual(linkCommitment(reveal.linkKey), offer.commitment))
  assert.match(str('link', 'code'), /^\d{6}$/)
})
