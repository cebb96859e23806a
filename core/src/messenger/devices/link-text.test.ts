// The link text the new device shows and the existing device takes: a round trip, and every
// wrong thing a user may paste is refused with a typed error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../../test-support/deterministic.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { NewDeviceLink } from './link.ts'
import { decodeLinkText, encodeLinkText, LINK_TEXT_MAX_CHARS } from './link-text.ts'
import { linkAddress } from './link-stream.ts'

const p = testPlatform('link-text')
const link = new NewDeviceLink({
  platform: p,
  peerId: new Uint8Array(38).fill(7),
  relay: '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWRelay',
})

test('link text round trip, with spaces around it as pasted', () => {
  const text = encodeLinkText(link.offer)
  assert.ok(text.length <= LINK_TEXT_MAX_CHARS)
  assert.ok(bytesEqual(decodeLinkText(`  ${text}\n`), link.offer))
})

test('what a user may paste instead is refused with a typed error', () => {
  const text = encodeLinkText(link.offer)
  const refused = (input: unknown, code: string) =>
    assert.throws(
      () => decodeLinkText(input),
      (err) => isProtocolError(err) && err.code === code,
    )
  refused('hestia:invite/AAAA', 'malformed')
  refused(text.slice(0, -4), 'malformed')
  refused(text.replace('hestia:link/', 'hestia:link/!'), 'malformed')
  refused(text + 'A'.repeat(LINK_TEXT_MAX_CHARS), 'oversize')
  refused(42, 'malformed')
  assert.match(
    (() => {
      try {
        decodeLinkText('hestia:invite/AAAA')
      } catch (err) {
        return (err as Error).message
      }
      return ''
    })(),
    /not a device link/,
  )
})

test('an offer whose relay is not an address is refused before anything is dialled', () => {
  assert.throws(
    () => linkAddress('not an address', new Uint8Array(38).fill(7)),
    (err) => isProtocolError(err, 'malformed'),
  )
  assert.equal(
    linkAddress(
      '/ip4/127.0.0.1/tcp/4001/ws',
      new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...new Uint8Array(32)]),
    )
      .toString()
      .includes('/p2p-circuit/p2p/'),
    true,
  )
})
