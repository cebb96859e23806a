import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CLIENT_ERROR_CODES, CLIENT_ERROR_TEXT, CLIENT_LIMITS } from './api.ts'
import type {
  ChatMessage,
  ClientEvent,
  ClientRequestType,
  FileTransfer,
  RequestFor,
} from './api.ts'
import {
  CLIENT_REQUEST_TYPES,
  InvalidClientMessageError,
  parseClientEvent,
  parseClientRequest,
  parseClientResponse,
  parsePortMessageFromClient,
  parsePortMessageFromNode,
} from './validate.ts'
import { failureFromError } from './dispatch.ts'

const callId = 'c4ll-1d'
const transferId = 'tr-1'
const contactId = 'ct-1'
const conversationId = 'cv-1'

/** One valid example per request type; the mapped type makes the table exhaustive. */
const examples: { [K in ClientRequestType]: RequestFor<K> } = {
  'identity.status': { type: 'identity.status' },
  'identity.create': { type: 'identity.create', displayName: 'Robin' },
  'connectivity.status': { type: 'connectivity.status' },
  'connectivity.retryRelay': {
    type: 'connectivity.retryRelay',
    address: '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay',
  },
  'conversations.list': { type: 'conversations.list', query: null },
  'messages.page': { type: 'messages.page', conversationId, before: 'fx1.200', limit: 50 },
  'messages.send': { type: 'messages.send', conversationId, text: 'hello' },
  'messages.retry': { type: 'messages.retry', conversationId, messageId: 'm1' },
  'messages.markRead': { type: 'messages.markRead', conversationId, upTo: 'm1' },
  'invite.mine': { type: 'invite.mine' },
  'invite.renew': { type: 'invite.renew' },
  'invite.accept': { type: 'invite.accept', invite: 'hestia:invite/abc' },
  'contact.info': { type: 'contact.info', contactId },
  'contact.verify': { type: 'contact.verify', contactId, method: 'qr', scannedPayload: 'x' },
  'contact.acceptNewKey': { type: 'contact.acceptNewKey', contactId },
  'contact.keepOldKey': { type: 'contact.keepOldKey', contactId },
  'contact.allowNewKeys': { type: 'contact.allowNewKeys', contactId },
  'contact.rename': { type: 'contact.rename', contactId, displayName: 'Al' },
  'contact.setBlocked': { type: 'contact.setBlocked', contactId, blocked: true },
  'contact.delete': { type: 'contact.delete', contactId },
  'contact.rotateMailbox': { type: 'contact.rotateMailbox', contactId },
  'settings.get': { type: 'settings.get' },
  'settings.update': {
    type: 'settings.update',
    patch: { notifications: { showNames: true }, readReceipts: true },
  },
  'settings.addRelay': { type: 'settings.addRelay', address: '/dns4/r.example/tcp/443/wss' },
  'settings.removeRelay': { type: 'settings.removeRelay', address: '/dns4/r.example/tcp/443/wss' },
  'transfers.list': { type: 'transfers.list', conversationId: null },
  'transfer.offer': {
    type: 'transfer.offer',
    conversationId,
    file: { stagedFileId: 'st-1', name: 'a.pdf', size: 4 * 2 ** 30, mimeType: 'application/pdf' },
  },
  'transfer.accept': { type: 'transfer.accept', transferId },
  'transfer.decline': { type: 'transfer.decline', transferId },
  'transfer.pause': { type: 'transfer.pause', transferId },
  'transfer.resume': { type: 'transfer.resume', transferId },
  'transfer.cancel': { type: 'transfer.cancel', transferId },
  'call.current': { type: 'call.current' },
  'call.start': { type: 'call.start', conversationId, media: 'video' },
  'call.accept': { type: 'call.accept', callId },
  'call.decline': { type: 'call.decline', callId },
  'call.hangUp': { type: 'call.hangUp', callId },
  'call.setMuted': { type: 'call.setMuted', callId, muted: true },
  'call.setCamera': { type: 'call.setCamera', callId, cameraOn: false },
  'call.iceServers': { type: 'call.iceServers' },
  'vault.status': { type: 'vault.status' },
  'vault.setPassphrase': { type: 'vault.setPassphrase', passphrase: 'correct horse battery' },
  'vault.changePassphrase': {
    type: 'vault.changePassphrase',
    oldPassphrase: 'x',
    newPassphrase: 'correct horse battery',
  },
  'vault.unlock': { type: 'vault.unlock', passphrase: 'x' },
  'vault.lock': { type: 'vault.lock' },
  'vault.setAutoLock': { type: 'vault.setAutoLock', minutes: null },
  'device.erase': { type: 'device.erase' },
  'backup.export': { type: 'backup.export', passphrase: null },
  'backup.import': { type: 'backup.import', file: 'SEVTVElBQks', passphrase: 'pw' },
  'devices.list': { type: 'devices.list' },
  'devices.linkStart': { type: 'devices.linkStart', deviceName: 'Laptop' },
  'devices.linkAccept': { type: 'devices.linkAccept', link: 'hestia:link/CAES' },
  'devices.linkConfirm': { type: 'devices.linkConfirm', linkId: 'lk-1' },
  'devices.linkCancel': { type: 'devices.linkCancel', linkId: 'lk-1' },
  'devices.rename': { type: 'devices.rename', deviceId: '12D3KooWx', name: 'Work laptop' },
  'devices.remove': { type: 'devices.remove', deviceId: '12D3KooWx' },
  'devices.logoutOthers': { type: 'devices.logoutOthers' },
  'devices.historySize': { type: 'devices.historySize', deviceId: '12D3KooWx' },
  'devices.sendHistory': { type: 'devices.sendHistory', deviceId: '12D3KooWx' },
  'groups.create': { type: 'groups.create', name: 'Trip' },
  'groups.list': { type: 'groups.list' },
  'groups.addMembers': {
    type: 'groups.addMembers',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    contactIds: ['c1'],
  },
  'groups.removeMember': {
    type: 'groups.removeMember',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    contactId: 'c1',
  },
  'groups.send': {
    type: 'groups.send',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    text: 'hello',
  },
  'groups.messages': {
    type: 'groups.messages',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  },
  'groups.rename': {
    type: 'groups.rename',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    name: 'Trip 2',
  },
  'groups.leave': {
    type: 'groups.leave',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  },
  'groups.members': {
    type: 'groups.members',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  },
  'groups.promote': {
    type: 'groups.promote',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    contactId: 'c1',
  },
  'groups.demote': {
    type: 'groups.demote',
    groupId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    contactId: 'c1',
  },
  'call.signal': {
    type: 'call.signal',
    callId,
    signal: {
      kind: 'ice',
      candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    },
  },
}

const message: ChatMessage = {
  messageId: 'AAECAwQFBgcICQoLDA0ODw',
  conversationId,
  direction: 'out',
  body: { kind: 'text', text: 'hi' },
  sentAt: 1_700_000_000_000,
  receivedAt: 1_700_000_000_000,
  delivery: 'failed',
  failure: { code: 'peer_unreachable', message: 'offline' },
  readAt: null,
}

const transfer: FileTransfer = {
  transferId,
  conversationId,
  messageId: 'm2',
  direction: 'in',
  name: 'video.mp4',
  size: 1000,
  mimeType: 'video/mp4',
  state: 'paused',
  route: 'direct',
  progress: { bytes: 500, total: 1000, rateBytesPerSec: 0, etaSeconds: null },
  error: null,
  updatedAt: 1_700_000_000_000,
}

function rejects(value: unknown, pathPart: string): void {
  assert.throws(
    () => parseClientRequest(value),
    (error: unknown) => {
      assert.ok(error instanceof InvalidClientMessageError)
      assert.equal(error.code, 'invalid_request')
      assert.ok(error.path.includes(pathPart), `path ${error.path} should mention ${pathPart}`)
      return true
    },
  )
}

describe('client request validation', () => {
  test('every request type has an example that passes and survives JSON unchanged', () => {
    assert.deepEqual(Object.keys(examples).sort(), [...CLIENT_REQUEST_TYPES].sort())
    for (const example of Object.values(examples)) {
      const overJson: unknown = JSON.parse(JSON.stringify(example))
      assert.deepEqual(parseClientRequest(overJson), example)
    }
  })

  test('an unknown request type is rejected and named', () => {
    rejects({ type: 'identity.delete' }, 'request.type')
    rejects({ type: '__proto__' }, 'request.type')
    rejects({ type: 'toString' }, 'request.type')
    rejects({}, 'request.type')
  })

  test('missing, extra and mistyped keys are rejected with their path', () => {
    rejects({ type: 'messages.send', conversationId }, 'request.text')
    rejects({ ...examples['messages.send'], html: '<b>' }, 'request.html')
    rejects({ ...examples['messages.page'], limit: '50' }, 'request.limit')
    rejects({ ...examples['messages.page'], limit: 2.5 }, 'request.limit')
    rejects(
      { ...examples['settings.update'], patch: { notifications: { showNames: 1 } } },
      'showNames',
    )
    rejects({ ...examples['call.signal'], signal: { kind: 'offer' } }, 'request.signal.sdp')
    rejects({ ...examples['call.start'], media: 'screen' }, 'request.media')
  })

  test('limits a peer or page controls are enforced', () => {
    const longText = 'x'.repeat(CLIENT_LIMITS.messageTextMaxChars + 1)
    rejects({ ...examples['messages.send'], text: longText }, 'request.text')
    rejects({ ...examples['messages.send'], text: '' }, 'request.text')
    rejects({ ...examples['messages.page'], limit: CLIENT_LIMITS.pageMaxMessages + 1 }, 'limit')
    rejects({ ...examples['messages.page'], limit: 0 }, 'limit')
    const tooLongName = 'n'.repeat(CLIENT_LIMITS.displayNameMaxChars + 1)
    rejects({ type: 'identity.create', displayName: tooLongName }, 'displayName')
    const ok = { ...examples['messages.send'], text: 'x'.repeat(CLIENT_LIMITS.messageTextMaxChars) }
    assert.equal(parseClientRequest(ok).type, 'messages.send')
  })

  test('non-plain values are rejected (class instances, arrays, bytes, null)', () => {
    class Fake {
      type = 'identity.status'
    }
    rejects(new Fake(), 'request')
    rejects([examples['identity.status']], 'request')
    rejects(null, 'request')
    rejects('identity.status', 'request')
    rejects({ ...examples['identity.create'], displayName: new Uint8Array(3) }, 'displayName')
    rejects({ ...examples['messages.send'], conversationId: new String('cv') }, 'conversationId')
  })

  test('a parsed request is rebuilt: later changes to the input do not reach it', () => {
    const input = structuredClone(examples['settings.update'])
    const parsed = parseClientRequest(input)
    input.patch.readReceipts = false
    assert.deepEqual(parsed, examples['settings.update'])
  })

  test('fuzz: arbitrary JSON either parses or throws InvalidClientMessageError', () => {
    const anyRequestish = fc.oneof(
      fc.jsonValue(),
      fc.record({ type: fc.constantFrom(...CLIENT_REQUEST_TYPES) }, { requiredKeys: [] }),
      fc
        .tuple(fc.constantFrom(...Object.values(examples)), fc.string(), fc.jsonValue())
        .map(([example, key, value]) => ({ ...example, [key]: value })),
    )
    fc.assert(
      fc.property(anyRequestish, (value) => {
        try {
          const parsed = parseClientRequest(value)
          assert.ok(CLIENT_REQUEST_TYPES.includes(parsed.type))
        } catch (error) {
          assert.ok(error instanceof InvalidClientMessageError, String(error))
        }
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('client response and event validation', () => {
  test('a success response is checked against the result type of its request', () => {
    const good = { ok: true, value: { message } }
    assert.deepEqual(parseClientResponse('messages.send', good), good)
    assert.throws(
      () => parseClientResponse('messages.send', { ok: true, value: { transfer } }),
      InvalidClientMessageError,
    )
    assert.throws(
      () =>
        parseClientResponse('messages.send', {
          ok: true,
          value: { message: { ...message, delivery: 'seen' } },
        }),
      /delivery/,
    )
  })

  test('a failure response must carry a known error code', () => {
    const failure = { ok: false, error: { code: 'key_changed', message: 'verify first' } }
    assert.deepEqual(parseClientResponse('messages.send', failure), failure)
    assert.throws(
      () =>
        parseClientResponse('messages.send', { ok: false, error: { code: 'oops', message: '' } }),
      /code/,
    )
    assert.throws(() => parseClientResponse('messages.send', { value: {} }), /ok/)
  })

  test('events pass, and an event with a malformed payload is rejected', () => {
    const events: ClientEvent[] = [
      { type: 'message.updated', message },
      { type: 'transfer.updated', transfer },
      { type: 'conversation.removed', conversationId },
      {
        type: 'call.signal',
        callId,
        signal: { kind: 'answer', sdp: 'v=0', dtlsFingerprint: 'sha-256 AB:CD' },
      },
    ]
    for (const event of events)
      assert.deepEqual(parseClientEvent(JSON.parse(JSON.stringify(event))), event)
    assert.throws(
      () => parseClientEvent({ type: 'transfer.updated', transfer: { ...transfer, size: -1 } }),
      /transfer\.size/,
    )
    assert.throws(() => parseClientEvent({ type: 'message.deleted', messageId: 'm' }), /type/)
  })

  test('port envelopes: requests on the node side, responses matched to pending ids', () => {
    const envelope = { kind: 'request', id: 7, request: examples['messages.send'] }
    assert.deepEqual(parsePortMessageFromClient(envelope), envelope)
    assert.throws(() => parsePortMessageFromClient({ kind: 'event', event: {} }), /kind/)

    const pending = new Map<number, ClientRequestType>([[7, 'messages.send']])
    const response = { kind: 'response', id: 7, response: { ok: true, value: { message } } }
    assert.deepEqual(
      parsePortMessageFromNode(response, (id) => pending.get(id)),
      response,
    )
    assert.throws(
      () => parsePortMessageFromNode({ ...response, id: 8 }, (id) => pending.get(id)),
      /not pending|pending/,
    )
  })

  test('failureFromError (the one error map): malformed input keeps its code, anything else is internal', () => {
    let caught: unknown
    try {
      parseClientRequest({ type: 'nope' })
    } catch (error) {
      caught = error
    }
    assert.equal(failureFromError(caught).error.code, 'invalid_request')
    const internal = failureFromError(new TypeError('x'.repeat(5_000)))
    assert.equal(internal.error.code, 'internal')
    assert.ok(internal.error.message.length <= CLIENT_LIMITS.errorMessageMaxChars)
  })

  test('every error code has a user-facing sentence', () => {
    for (const code of CLIENT_ERROR_CODES) assert.ok((CLIENT_ERROR_TEXT[code] ?? '').length > 10)
  })
})
