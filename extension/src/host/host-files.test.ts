// The host's files with the passphrase lock (issue 17): with a passphrase, a file a page stages
// through the host (the real staging channel) and a file received into the host's sink are stored
// only sealed — no stored row of the files database holds their bytes — and come back
// byte-identical while unlocked; while locked nothing is staged, sent or read. Without a
// passphrase the files stay plaintext as before (storage.md).
import { afterEach, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { hashWasmArgon2id } from '@hestia/core/store/at-rest/argon2id.ts'
import type { Argon2idParams } from '@hestia/core/store/at-rest/argon2id.ts'
import type { FileTransferRecord } from '@hestia/core/store/records.ts'
import { FilesDatabase } from '../files/files-db.ts'
import { HostStagingError, serveStaging, stageThroughHost } from '../files/staging-channel.ts'
import type { OpenChannel } from '../files/staging-channel.ts'
import { HostFiles } from './host-files.ts'
import { HostVault } from './vault.ts'
import { memorySessionKeys } from './session-keys.ts'

const FAST: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const PASS = 'correct horse battery'
const MARKER = 'PLATYPUS-FILE-MARKER'

/** ~1.2 MiB of text with the marker every 997 bytes (so every piece and chunk holds some). */
function markedFile(size = 1_200_000): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size).fill(0x2e)
  const marker = new TextEncoder().encode(MARKER)
  for (let at = 0; at + marker.length <= size; at += 997) out.set(marker, at)
  return out
}

/**
 * Same-origin broadcast between in-process "pages": every other open member gets a structured
 * clone (a File crosses as in a browser). Node's own BroadcastChannel refuses to post a Blob once
 * a channel of the same name was closed, which browsers do not.
 */
function broadcastHub(): OpenChannel {
  const members = new Set<EventTarget>()
  return () => {
    const target = new EventTarget()
    members.add(target)
    return {
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
      postMessage(data: unknown) {
        for (const member of members)
          if (member !== target)
            setTimeout(
              () =>
                member.dispatchEvent(new MessageEvent('message', { data: structuredClone(data) })),
              0,
            )
      },
      close: () => void members.delete(target),
    }
  }
}

let indexedDB: IDBFactory
let open: OpenChannel
let stopServing: (() => void) | undefined
beforeEach(() => {
  indexedDB = new IDBFactory()
  open = broadcastHub()
})
afterEach(() => stopServing?.())

function setup() {
  // The vault closes and reopens the host's files as NodeService does.
  const ref: { files?: HostFiles } = {}
  const vault = new HostVault({
    kdf: hashWasmArgon2id,
    calibrate: () => Promise.resolve(FAST),
    floor: FAST,
    sessionKeys: memorySessionKeys(),
    autoLock: { read: () => null, write: () => undefined, clear: () => undefined },
    closeMessenger: () => Promise.resolve(ref.files?.closed()),
    startMessenger: () => void ref.files?.opened(),
    changed: () => undefined,
    database: { indexedDB, IDBKeyRange },
  })
  const db = new FilesDatabase({ indexedDB, IDBKeyRange })
  const saved: Uint8Array[] = []
  const hostFiles = new HostFiles(
    db,
    async (blob) => void saved.push(new Uint8Array(await blob.arrayBuffer())),
    vault,
  )
  ref.files = hostFiles
  stopServing = serveStaging((file) => hostFiles.stage(file), open)
  return { vault, files: hostFiles, db, saved }
}

/** Every stored byte of the files database (Blobs read out), searched for the marker. */
async function storedBytesHold(db: FilesDatabase, text: string): Promise<boolean> {
  const needle = Buffer.from(text)
  for (const table of db.tables) {
    for (const row of await table.toArray()) {
      for (const value of Object.values(row as Record<string, unknown>)) {
        const bytes =
          value instanceof Blob
            ? Buffer.from(await value.arrayBuffer())
            : value instanceof Uint8Array
              ? Buffer.from(value)
              : Buffer.from(String(value))
        if (bytes.includes(needle)) return true
      }
    }
  }
  return false
}

function transfer(
  transferId: string,
  direction: 'in' | 'out',
  size: number,
  stagedFileId: string | null,
): FileTransferRecord {
  return {
    transferId,
    direction,
    size,
    name: 'notes.txt',
    mimeType: 'text/plain',
    stagedFileId,
  } as unknown as FileTransferRecord
}

async function stagedBytes(files: HostFiles, stagedFileId: string, size: number) {
  const source = await files.openSource(transfer('t-out', 'out', size, stagedFileId))
  return source.read(0, size)
}

async function receive(files: HostFiles, bytes: Uint8Array) {
  const sink = await files.openSink(transfer('t-in', 'in', bytes.length, null))
  for (let at = 0; at < bytes.length; at += 524_288)
    await sink.write(at, bytes.subarray(at, at + 524_288))
  return sink
}

describe('host files with a passphrase', () => {
  test('a staged and a received file are stored only sealed and read back identical', async () => {
    const { vault, files, db, saved } = setup()
    await vault.setPassphrase(PASS)
    await files.opened()
    const bytes = markedFile()

    const staged = await stageThroughHost(new File([bytes], 'notes.txt', { type: 'text/plain' }), {
      open,
    })
    assert.equal(staged.size, bytes.length)
    assert.equal(staged.name, 'notes.txt')
    const sink = await receive(files, bytes)

    assert.equal(await storedBytesHold(db, MARKER), false, 'no plaintext of either file is stored')
    assert.equal(await storedBytesHold(db, 'notes.txt'), false, 'nor the staged file name')
    assert.deepEqual(await stagedBytes(files, staged.stagedFileId, bytes.length), bytes)
    await sink.complete()
    assert.equal(saved.length, 1)
    assert.deepEqual(saved[0], bytes, 'the received file is saved byte-identical')
  })

  test('while locked nothing is staged, and a staged file cannot be sent', async () => {
    const { vault, files, db } = setup()
    await vault.setPassphrase(PASS)
    await files.opened()
    const bytes = markedFile(10_000)
    const staged = await stageThroughHost(new File([bytes], 'a.txt'), { open })
    const before = await db.staged.count()

    await vault.lock()
    await assert.rejects(
      stageThroughHost(new File([bytes], 'b.txt'), { open }),
      (error: unknown) => error instanceof HostStagingError && error.code === 'locked',
    )
    assert.equal(await db.staged.count(), before, 'the refused file left nothing behind')
    await assert.rejects(stagedBytes(files, staged.stagedFileId, bytes.length), /locked/i)
    await assert.rejects(files.openSink(transfer('t-in', 'in', 10, null)), /locked/i)
    assert.equal(await db.chunks.count(), 0, 'no chunk was written while locked')

    await vault.unlock(PASS)
    await files.opened()
    assert.deepEqual(await stagedBytes(files, staged.stagedFileId, bytes.length), bytes)
  })
})

describe('host files without a passphrase', () => {
  test('files are staged as before (plaintext copy), and a page without a host gets a typed error', async () => {
    const { files, db } = setup()
    await files.opened()
    const bytes = markedFile(5_000)
    const staged = await stageThroughHost(new File([bytes], 'plain.txt'), { open })
    assert.equal(await storedBytesHold(db, MARKER), true, 'plaintext store: the copy is readable')
    assert.deepEqual(await stagedBytes(files, staged.stagedFileId, bytes.length), bytes)

    stopServing?.()
    stopServing = undefined
    await assert.rejects(
      stageThroughHost(new File([bytes], 'x.txt'), { open, acceptMs: 200 }),
      (error: unknown) => error instanceof HostStagingError && error.code === 'host_unavailable',
    )
  })
})
