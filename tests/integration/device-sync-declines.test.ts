/**
 * "Declined on <device>" (issue 19, ADR 0787), real messengers over a loopback relay: Ben calls
 * Ada, both her devices ring, she declines on the laptop — Ben's call ends declined and her
 * primary's history says precisely "Declined on Laptop" (not a missed call, not unread). Ben offers
 * a file, she declines it on the primary — the laptop's card says "Declined on <primary's name>"
 * and it can no longer be accepted there. The windows are played by the test (no media in Node).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { callText, transferStateLabel } from '../../ui/src/lib/texts.ts'
import { writeDeterministicFile } from './support/files-storage.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { benRingsBoth, fingerprint, lastCall } from './support/call-signals.ts'

describe('a decline on one device is shown as such on the others', () => {
  const trio = useDeviceTrio()

  test('a call declined on the laptop reads "Declined on Laptop" on the primary', async () => {
    const { a1, a2, ben, conv } = trio
    const { call, fromA1, fromBen } = await benRingsBoth(trio, fingerprint(0))

    await a2.must({ type: 'call.decline', callId: call.callId })
    await waitUntil(
      'Ben’s call ends declined',
      () => lastCall(ben, fromBen)?.endReason === 'declined',
    )
    await waitUntil('the primary stopped ringing', () => lastCall(a1, fromA1)?.state === 'ended')
    const entryOn = async (peer: TestPeer) =>
      (await peer.history(conv.get(peer)!)).find((m) => m.messageId === call.callId)?.body
    await waitUntil('the primary names the laptop', async () => {
      const body = await entryOn(a1)
      return body?.kind === 'call' && body.declinedOn === 'Laptop'
    })
    const body = (await entryOn(a1))!
    assert.ok(body.kind === 'call')
    assert.equal(body.outcome, 'declined')
    assert.equal(callText(body.media, body.outcome, body.declinedOn), 'Declined on Laptop')
    const list = (await a1.must({ type: 'conversations.list', query: null })).conversations
    assert.equal(list[0]!.unreadCount, 0, 'not a missed call waiting to be seen')
    // The laptop's own entry is its decline, not "declined on" itself.
    const own = (await entryOn(a2))!
    assert.ok(own.kind === 'call')
    assert.equal(own.outcome, 'declined')
    assert.equal(own.declinedOn, undefined)
  })

  test('a file declined on the primary reads "Declined on <primary>" on the laptop', async () => {
    const { a1, a2, ben, conv, storage } = trio
    const benFiles = storage.get(ben)!
    const path = join(benFiles.dir, 'declined.source')
    await writeDeterministicFile(path, 4096, 'not wanted')
    benFiles.stage('staged-declined', path)
    const { transfer } = await ben.must({
      type: 'transfer.offer',
      conversationId: conv.get(ben)!,
      file: {
        stagedFileId: 'staged-declined',
        name: 'x.bin',
        size: 4096,
        mimeType: 'application/octet-stream',
      },
    })
    const id = transfer.transferId
    const stateOn = async (peer: TestPeer) =>
      (await peer.must({ type: 'transfers.list', conversationId: null })).transfers.find(
        (t) => t.transferId === id,
      )
    for (const peer of [a1, a2])
      await waitUntil(
        `${peer.name} shows the offer`,
        async () => (await stateOn(peer))?.state === 'offered',
      )
    const primaryName = (await a1.must({ type: 'devices.list' })).devices.find(
      (d) => d.thisDevice,
    )!.name

    await a1.must({ type: 'transfer.decline', transferId: id })
    await waitUntil('Ben sees it declined', async () => (await stateOn(ben))?.state === 'declined')
    await waitUntil(
      'the laptop names the primary',
      async () => (await stateOn(a2))?.declinedOn === primaryName,
    )
    const onLaptop = (await stateOn(a2))!
    assert.equal(onLaptop.state, 'declined')
    assert.equal(transferStateLabel(onLaptop), `Declined on ${primaryName}`)
    const late = await a2.req({ type: 'transfer.accept', transferId: id })
    assert.equal(late.ok, false, 'a declined offer cannot be accepted on the other device')
    assert.equal((await stateOn(a1))!.declinedOn, undefined, 'the primary declined it itself')
  })
})
