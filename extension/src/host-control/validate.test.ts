import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HostRequestError } from './errors.ts'

/** assert.throws validators: a HostRequestError with the code the receiver answers with. */
const MalformedMessage = (error: unknown): boolean =>
  error instanceof HostRequestError && error.code === errorCodes.malformedMessage
const UnknownRequest = (error: unknown): boolean =>
  error instanceof HostRequestError && error.code === errorCodes.unknownRequest
import { IPC_CHANNEL, errorCodes, ipcLimits } from './protocol.ts'
import { parseEnvelope, parseReply, resultParsers } from './validate.ts'

const envelope = (request: unknown, extra: Record<string, unknown> = {}) => ({
  channel: IPC_CHANNEL,
  to: 'background',
  id: 'req-1',
  request,
  ...extra,
})

describe('parseEnvelope', () => {
  test('accepts the two request kinds and returns only known fields', () => {
    assert.deepEqual(parseEnvelope(envelope({ kind: 'node.status' })).request, {
      kind: 'node.status',
    })
    const ping = parseEnvelope(
      envelope({ kind: 'node.ping', multiaddr: '/ip4/127.0.0.1/tcp/1/ws' }),
    )
    assert.deepEqual(ping.request, { kind: 'node.ping', multiaddr: '/ip4/127.0.0.1/tcp/1/ws' })
  })

  test('accepts a download of a blob: URL and a download state query', () => {
    const start = {
      kind: 'download.start',
      url: 'blob:chrome-extension://abc/1',
      filename: 'Hestia/a',
    }
    assert.deepEqual(parseEnvelope(envelope(start)).request, start)
    assert.deepEqual(parseEnvelope(envelope({ kind: 'download.state', downloadId: 3 })).request, {
      kind: 'download.state',
      downloadId: 3,
    })
    assert.deepEqual(
      resultParsers['download.state']({ state: 'interrupted', error: 'FILE_NO_SPACE' }),
      {
        state: 'interrupted',
        error: 'FILE_NO_SPACE',
      },
    )
    assert.throws(
      () => resultParsers['download.state']({ state: 'paused', error: null }),
      MalformedMessage,
    )
  })

  test('rejects an unknown kind with UnknownRequest', () => {
    assert.throws(() => parseEnvelope(envelope({ kind: 'node.erase' })), UnknownRequest)
  })

  const malformed: [string, unknown][] = [
    ['not an object', 'hello'],
    ['an array', []],
    ['wrong channel', { ...envelope({ kind: 'node.status' }), channel: 'other' }],
    ['unknown endpoint', envelope({ kind: 'node.status' }, { to: 'popup' })],
    ['extra envelope field', envelope({ kind: 'node.status' }, { admin: true })],
    ['extra request field', envelope({ kind: 'node.status', force: true })],
    ['missing id', { channel: IPC_CHANNEL, to: 'host', request: { kind: 'node.status' } }],
    [
      'oversized id',
      envelope({ kind: 'node.status' }, { id: 'x'.repeat(ipcLimits.maxRequestIdLength + 1) }),
    ],
    ['multiaddr not a string', envelope({ kind: 'node.ping', multiaddr: 7 })],
    ['empty multiaddr', envelope({ kind: 'node.ping', multiaddr: '' })],
    [
      'oversized multiaddr',
      envelope({ kind: 'node.ping', multiaddr: '/'.repeat(ipcLimits.maxMultiaddrLength + 1) }),
    ],
    [
      'a download of a web address',
      envelope({ kind: 'download.start', url: 'https://example.org/x', filename: 'Hestia/x' }),
    ],
    [
      'a download without a name',
      envelope({ kind: 'download.start', url: 'blob:x', filename: '' }),
    ],
    ['a fractional download id', envelope({ kind: 'download.state', downloadId: 1.5 })],
    ['a negative download id', envelope({ kind: 'download.state', downloadId: -1 })],
  ]
  for (const [name, raw] of malformed) {
    test(`rejects ${name} with MalformedMessage`, () => {
      assert.throws(() => parseEnvelope(raw), MalformedMessage)
    })
  }
})

describe('replies', () => {
  const status = {
    peerId: '12D3KooWExample',
    started: true,
    connections: 2,
    multiaddrs: ['/webrtc'],
    rtcPeerConnection: true,
    nodeHome: 'offscreen-document',
    startedAt: 1,
    uptimeMs: 5,
  }

  test('a status result round-trips through the checked parser', () => {
    const reply = parseReply({ ok: true, result: status })
    assert.ok(reply.ok)
    assert.deepEqual(resultParsers['node.status'](reply.result), status)
  })

  test('a status with a wrong type or too many addresses is refused', () => {
    assert.throws(
      () => resultParsers['node.status']({ ...status, started: 'yes' }),
      MalformedMessage,
    )
    const many = Array.from({ length: ipcLimits.maxAddresses + 1 }, () => '/webrtc')
    assert.throws(
      () => resultParsers['node.status']({ ...status, multiaddrs: many }),
      MalformedMessage,
    )
    assert.throws(() => resultParsers['node.ping']({ rttMs: -1 }), MalformedMessage)
  })

  test('error replies keep their code; unknown codes are refused', () => {
    const reply = parseReply({ ok: false, error: { code: 'timeout', message: 'slow' } })
    assert.deepEqual(reply, { ok: false, error: { code: 'timeout', message: 'slow' } })
    assert.throws(
      () => parseReply({ ok: false, error: { code: 'LOL', message: 'x' } }),
      MalformedMessage,
    )
    assert.throws(() => parseReply({ ok: 'maybe' }), MalformedMessage)
  })
})
