// Golden vectors of the group framing: (1) the committed vectors.json is exactly what the generator
// produces today (a changed byte is a failing test and a diff); (2) the committed bytes are read
// back independently: the credential verifies for its key at the golden time and names the
// identity, each frame decodes to its kind, epoch and MLS bytes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { generateGroupGoldenVectors } from '../../../test-support/group-golden.ts'
import { fromHex, toHex } from '../../crypto/bytes.ts'
import { verifyMemberCredential } from '../credential.ts'
import { decodeGroupFrame, FRAME_KIND } from '../framing.ts'
import { decodeGroupDirect, decodeGroupInvite } from '../direct.ts'
import { readPiece } from '../mailbox-pieces.ts'

type Golden = Record<string, Record<string, string | number>>
const committed = JSON.parse(
  readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'),
) as Golden
const str = (section: string, key: string) => committed[section]![key] as string

void test('the generator reproduces the committed group vectors byte for byte', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(generateGroupGoldenVectors())), committed)
})

void test('the committed member credential verifies and names its identity', () => {
  const c = committed.credential!
  const m = verifyMemberCredential(
    fromHex(str('credential', 'memberCredential')),
    fromHex(str('credential', 'signatureKey')),
    c.nowMs as number,
  )
  assert.equal(toHex(m.identityKey), str('credential', 'identityPublic'))
  assert.equal(toHex(m.deviceCert.bytes), str('credential', 'deviceCert'))
})

void test('the committed frames decode to their kind, epoch and MLS bytes', () => {
  const commit = decodeGroupFrame(fromHex(str('frames', 'commit')))
  assert.equal(commit.kind, FRAME_KIND.commit)
  assert.equal(commit.epoch, 4n)
  assert.equal(toHex(commit.mls), str('frames', 'commitMls'))
  assert.equal(decodeGroupFrame(fromHex(str('frames', 'proposal'))).kind, FRAME_KIND.proposal)
  const app = decodeGroupFrame(fromHex(str('frames', 'application')))
  assert.equal(app.kind, FRAME_KIND.application)
  assert.equal(app.epoch, 5n)
})

void test('the committed delivery bytes read back: mailbox entry, 1:1 group messages, invitation', () => {
  const entry = readPiece(fromHex(str('delivery', 'mailboxEntry')))
  assert.equal(entry.count, 1)
  assert.equal(entry.frameId, 'bb'.repeat(8))
  assert.equal(toHex(entry.chunk), str('frames', 'commit'))
  const request = decodeGroupDirect(fromHex(str('delivery', 'directKeyPackageRequest')))
  assert.equal(request.body.kind, 'key_package_request')
  assert.equal(toHex(request.groupId), '11'.repeat(32))
  const frame = decodeGroupDirect(fromHex(str('delivery', 'directFrame')))
  assert.ok(frame.body.kind === 'frame')
  assert.equal(toHex(frame.body.frame), str('frames', 'application'))
  const part = decodeGroupDirect(fromHex(str('delivery', 'directInvitePart')))
  assert.ok(part.body.kind === 'invite_part')
  assert.equal(toHex(part.body.chunk), str('delivery', 'invite'))
  const invite = decodeGroupInvite(fromHex(str('delivery', 'invite')))
  assert.equal(invite.afterId, 7n)
  assert.equal(invite.name, 'Golden group')
  assert.equal(toHex(invite.welcome), str('delivery', 'welcomeFrame'))
  assert.equal(decodeGroupFrame(invite.welcome).kind, FRAME_KIND.welcome)
})
