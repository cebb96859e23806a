/** File-transfer helpers shared by the messenger integration tests: storage, staging, states. */
import { join } from 'node:path'
import type { FileTransfer } from '@hestia/core/client/api.ts'
import { NodeFileStorage, nodeSha256, tempDir, writeDeterministicFile } from './files-storage.ts'
import { waitUntil, type TestPeer } from './messenger-harness.ts'

/** Gives `peer` Node file storage (set before start). */
export function withFiles(
  peer: TestPeer,
  extra: { mailboxCapBytes?: number; directWaitMs?: number } = {},
): NodeFileStorage {
  const storage = new NodeFileStorage(tempDir(`hestia-msg-files-${peer.name}-`))
  peer.files = { storage, sha256: nodeSha256, tuning: { progressEveryMs: 0 }, ...extra }
  return storage
}

let staged = 0

/** Writes a deterministic file into the sender's storage and stages it; returns its SHA-256. */
export async function stageFile(
  storage: NodeFileStorage,
  size: number,
  name: string,
): Promise<{
  file: { stagedFileId: string; name: string; size: number; mimeType: string }
  sha256: string
}> {
  const path = join(storage.dir, `${name}.source`)
  const sha256 = await writeDeterministicFile(path, size, name)
  const stagedFileId = `staged-${++staged}`
  storage.stage(stagedFileId, path)
  return { file: { stagedFileId, name, size, mimeType: 'application/octet-stream' }, sha256 }
}

/** Waits until `peer` shows transfer `transferId` in one of `states`; returns it. */
export async function waitTransferState(
  peer: TestPeer,
  transferId: string,
  states: readonly string[],
  timeoutMs = 30_000,
): Promise<FileTransfer> {
  let last: FileTransfer | undefined
  await waitUntil(
    `${peer.name}: transfer ${transferId} in ${states.join('|')}`,
    async () => {
      const list = (await peer.must({ type: 'transfers.list', conversationId: null })).transfers
      last = list.find((t) => t.transferId === transferId)
      return last !== undefined && states.includes(last.state)
    },
    timeoutMs,
  )
  return last!
}
