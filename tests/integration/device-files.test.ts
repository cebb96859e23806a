/**
 * A file offered to one identity on two devices (issue 19, ADR 0766), real messengers over a
 * loopback relay: Ben offers a file to Ada; her primary and her linked laptop both show the offer;
 * the laptop accepts and receives it byte-identical (pulled from Ben over a direct connection);
 * the primary ends the offer with "Received on Laptop" and wrote nothing. A later accept on the
 * primary changes nothing at Ben's.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { FileTransfer } from '@hestia/core/client/api.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { sha256OfFile, writeDeterministicFile } from './support/files-storage.ts'
import { useDeviceTrio } from './support/device-trio.ts'

async function transferOf(peer: TestPeer, transferId: string): Promise<FileTransfer | undefined> {
  const list = (await peer.must({ type: 'transfers.list', conversationId: null })).transfers
  return list.find((t) => t.transferId === transferId)
}

async function inState(peer: TestPeer, id: string, states: string[], ms = 30_000) {
  let last: FileTransfer | undefined
  await waitUntil(
    `${peer.name}: ${id} in ${states.join('|')}`,
    async () => {
      last = await transferOf(peer, id)
      return last !== undefined && states.includes(last.state)
    },
    ms,
  )
  return last!
}

describe('a file offer goes to every device; the first accept receives it', () => {
  const trio = useDeviceTrio()

  test('the laptop accepts and saves it; the primary shows where it went', async () => {
    const { a1, a2, ben, conv, storage } = trio
    const benFiles = storage.get(ben)!
    const size = 1024 * 1024 + 321
    const path = join(benFiles.dir, 'plan.source')
    const sha = await writeDeterministicFile(path, size, 'plan for two devices')
    benFiles.stage('staged-plan', path)
    const file = {
      stagedFileId: 'staged-plan',
      name: 'plan.pdf',
      size,
      mimeType: 'application/pdf',
    }
    const { transfer } = await ben.must({
      type: 'transfer.offer',
      conversationId: conv.get(ben)!,
      file,
    })
    const id = transfer.transferId
    await inState(a1, id, ['offered'])
    await inState(a2, id, ['offered'])

    await a2.must({ type: 'transfer.accept', transferId: id })
    const done = await inState(a2, id, ['completed', 'failed'], 90_000)
    assert.equal(done.state, 'completed', JSON.stringify(done.error))
    const sink = storage.get(a2)!.sinks.get(id)
    assert.ok(sink !== undefined, 'the laptop wrote the file')
    assert.equal(await sha256OfFile(join(storage.get(a2)!.dir, `${id}-plan.pdf`)), sha)
    assert.equal((await inState(ben, id, ['completed'], 15_000)).route, 'direct')

    const onA1 = await inState(a1, id, ['elsewhere'])
    assert.equal(onA1.takenBy, 'Laptop')
    const savedOnA1 = await sha256OfFile(join(storage.get(a1)!.dir, `${id}-plan.pdf`)).catch(
      () => null,
    )
    assert.equal(savedOnA1, null, 'nothing was saved on the primary')

    // The primary accepting afterwards is refused there (the transfer ended) and Ben is unmoved.
    const late = await a1.req({ type: 'transfer.accept', transferId: id })
    assert.equal(late.ok, false)
    assert.equal((await transferOf(ben, id))?.state, 'completed')
  })
})
