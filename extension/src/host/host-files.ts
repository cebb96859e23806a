// The host's file storage with the passphrase lock (issue 17, ADR 0520/0523): the FileStorage the
// messenger gets, and the staging of files pages hand over (files/staging-channel.ts).
//
// With a passphrase set, every file byte the host writes is sealed under the vault's files cipher:
// received chunks (ChunkSink) and staged copies (sealed-staging.ts). The cipher is taken when the
// store opens (unlocked) and dropped when the messenger closes (lock, erase, encrypting), so
// nothing here can open a sealed piece while locked. Without a passphrase the files stay plaintext
// as before (storage.md says so).

import type { StagedFile } from '@hestia/core/client/api.ts'
import type { FileSink, FileSource, FileStorage } from '@hestia/core/files/ports.ts'
import type { FileTransferRecord } from '@hestia/core/store/records.ts'
import type { MessengerStore } from '@hestia/core/store/store.ts'
import { BrowserFileStorage } from '../files/browser-file-storage.ts'
import type { SaveFile } from '../files/chunk-sink.ts'
import type { FilesDatabase } from '../files/files-db.ts'
import type { PieceCipher } from '../files/sealed-pieces.ts'
import { stageFile } from '../files/stage-file.ts'
import { HostStagingError } from '../files/staging-channel.ts'
import { StoreLockedError } from '../store/at-rest.ts'

/** What the host's files need of the vault (HostVault). */
export interface FilesVault {
  status(): Promise<{ state: 'none' | 'locked' | 'unlocked' }>
  /** undefined without a passphrase; throws while locked. */
  filesCipher(): Promise<PieceCipher | undefined>
}

export class HostFiles implements FileStorage {
  readonly #db: FilesDatabase
  readonly #save: SaveFile
  readonly #vault: FilesVault
  /** The storage of the open store; undefined after the messenger closed (until it opens again). */
  #storage: BrowserFileStorage | undefined

  constructor(db: FilesDatabase, save: SaveFile, vault: FilesVault) {
    this.#db = db
    this.#save = save
    this.#vault = vault
  }

  /** The store just opened: seal with the vault's cipher from now on (none without a passphrase). */
  async opened(): Promise<void> {
    const cipher = await this.#vault.filesCipher()
    this.#storage = new BrowserFileStorage(this.#db, this.#save, cipher ? { cipher } : {})
  }

  /**
   * The messenger closed (lock, erase): the cipher is dropped. Until the store opens again nothing
   * is read or written, so no plaintext chunk can land beside sealed ones.
   */
  closed(): void {
    this.#storage = undefined
  }

  async #current(): Promise<BrowserFileStorage> {
    if (this.#storage !== undefined) return this.#storage
    // Closed: without a passphrase the plaintext storage is as good as any; with one, refuse.
    if ((await this.#vault.status()).state !== 'none') throw new StoreLockedError()
    return new BrowserFileStorage(this.#db, this.#save)
  }

  async openSource(record: FileTransferRecord): Promise<FileSource> {
    return (await this.#current()).openSource(record)
  }

  async openSink(record: FileTransferRecord): Promise<FileSink> {
    return (await this.#current()).openSink(record)
  }

  async releaseSource(record: FileTransferRecord): Promise<void> {
    return (await this.#current()).releaseSource(record)
  }

  async sweep(
    store: Pick<MessengerStore, 'getTransfer' | 'listTransfers'>,
    now: number,
  ): Promise<void> {
    return (await this.#current()).sweep(store, now)
  }

  /**
   * A file a page picked (staging-channel.ts): sealed in pieces with a passphrase, a plaintext
   * copy without; refused while locked (the page shows only the unlock screen then anyway).
   */
  async stage(file: File, now: () => number = Date.now): Promise<StagedFile> {
    if ((await this.#vault.status()).state === 'locked')
      throw new HostStagingError('locked', 'Hestia is locked: unlock it to send a file.')
    const cipher = await this.#vault.filesCipher()
    return stageFile(file, this.#db, now, cipher ? { cipher } : {})
  }
}
