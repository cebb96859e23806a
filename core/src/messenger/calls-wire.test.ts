import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { isProtocolError } from '../wire/errors.ts'
import {
  checkCallSignal,
  encodeCallSignal,
  HANGUP_REASON,
  normalizeFingerprint,
  sameFingerprint,
  sdpFingerprint,
  type CallWireSignal,
} from './calls-wire.ts'
import { decodePayload, encodePayload } from './payload.ts'

const FP = `sha-256 ${Array.from({ length: 32 }, (_, i) => ((i * 9) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':')}`
const id = new Uint8Array(16).fill(4)

describe('call signalling format', () => {
  test('fingerprints: one comparable form; anything else is not a fingerprint', () => {
    assert.equal(normalizeFingerprint(FP.toLowerCase().replace('sha-256', 'SHA-256')), FP)
    assert.ok(sameFingerprint(FP, FP.toLowerCase()))
    assert.ok(!sameFingerprint(FP, FP.replace(/..$/, 'FF')))
    assert.ok(!sameFingerprint(null, FP))
    for (const bad of ['', 'sha-256', 'md5 AB:CD', 'sha-256 AB:C', 'sha-256 ABCD', `${FP}:`]) {
      assert.equal(normalizeFingerprint(bad), null, bad)
    }
  })

  test('an SDP commits to one certificate, or to none', () => {
    const line = `a=fingerprint:${FP}`
    assert.equal(sdpFingerprint(`v=0\r\n${line}\r\nm=audio 9\r\n${line}\r\n`), FP)
    assert.equal(sdpFingerprint('v=0\r\nm=audio 9\r\n'), null)
    const other = `a=fingerprint:${FP.replace(/..$/, 'FF')}`
    assert.equal(sdpFingerprint(`v=0\r\n${line}\r\n${other}\r\n`), null, 'two certificates')
    assert.equal(sdpFingerprint('a=fingerprint:sha-256 nope\r\n'), null)
  })

  test('every kind round-trips through the chat payload', () => {
    const signals: CallWireSignal[] = [
      { kind: 'offer', callId: id, media: 'video', sdp: 'v=0', dtlsFingerprint: FP },
      { kind: 'answer', callId: id, sdp: 'v=0', dtlsFingerprint: FP },
      {
        kind: 'ice',
        callId: id,
        candidates: [
          { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
          {
            candidate: 'candidate:2 1 udp 1 127.0.0.1 9 typ host',
            sdpMid: null,
            sdpMLineIndex: null,
          },
        ],
      },
      { kind: 'ice', callId: id, candidates: [] },
      { kind: 'hangup', callId: id, reason: 'failed' },
      { kind: 'hangup', callId: id, reason: 'answered_elsewhere', dtlsFingerprint: FP },
      { kind: 'decline', callId: id },
      { kind: 'busy', callId: id },
    ]
    for (const call of signals) {
      const bytes = encodePayload({ messageId: id, sentAt: 5, body: { kind: 'call', call } })
      const back = decodePayload(bytes)
      assert.deepEqual(back.body, { kind: 'call', call }, call.kind)
    }
  })

  test('answered_elsewhere names the answer taken; no other hangup carries a fingerprint', () => {
    const hangup = encodeCallSignal({ kind: 'hangup', callId: id, reason: 'hangup' })
    const refused = (raw: typeof hangup, why: string) =>
      assert.throws(
        () => checkCallSignal(raw),
        (err: unknown) => isProtocolError(err) && err.code === 'malformed',
        why,
      )
    const elsewhere = { ...hangup, reason: HANGUP_REASON.answered_elsewhere }
    refused(elsewhere, 'answered_elsewhere without a fingerprint')
    refused({ ...elsewhere, dtlsFingerprint: 'sha-256 AB' }, 'not a fingerprint')
    refused({ ...hangup, dtlsFingerprint: FP }, 'a plain hangup with a fingerprint')
    refused({ ...elsewhere, dtlsFingerprint: FP, sdp: 'v=0' }, 'a hangup with an sdp')
    refused({ ...hangup, reason: 4 }, 'an unknown reason')
    assert.deepEqual(checkCallSignal({ ...elsewhere, dtlsFingerprint: FP.toLowerCase() }), {
      kind: 'hangup',
      callId: id,
      reason: 'answered_elsewhere',
      dtlsFingerprint: FP,
    })
  })

  test('mutated call payloads: a value or one ProtocolError, never anything else', () => {
    const good = encodePayload({
      messageId: id,
      sentAt: 5,
      body: {
        kind: 'call',
        call: { kind: 'offer', callId: id, media: 'audio', sdp: 'v=0', dtlsFingerprint: FP },
      },
    })
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.nat(255), (at, value) => {
        const bytes = good.slice()
        bytes[at] = value
        try {
          decodePayload(bytes)
        } catch (err) {
          assert.ok(isProtocolError(err), String(err))
        }
      }),
      { numRuns: 500 },
    )
  })
})
