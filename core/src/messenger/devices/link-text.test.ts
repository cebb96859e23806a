// The link text the new device shows and the existing device takes: a round trip, and every
// wrong thing a user may paste is refused with a typed error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../../test-support/deterministic.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { NewDeviceLink } from './link.ts'
import { decodeLinkText, encodeLinkText, LINK_TEXT_MAX_CHARS } from './link-text.ts'

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
