/**
 * "Erase this device" (issue 17): deletes the messenger and files databases (rows, keyring,
 * staged and received file bytes). A forgotten passphrase ends here: erase, then restore from a
 * backup. Chromium's LevelDB may keep deleted values in its files until it compacts (ADR 0521):
 * erasing makes the data unreachable through the browser, not unrecoverable from the disk. The host also removes the unlocked key from storage.session (ADR 0523) and the popup its
 * localStorage entries; both belong to the lock/unlock step.
 */
import { Dexie } from 'dexie'
import { FILES_DATABASE_NAME } from '../files/files-db.ts'
import { DATABASE_NAME } from './schema.ts'

export interface EraseOptions {
  indexedDB?: IDBFactory
  IDBKeyRange?: typeof IDBKeyRange
  /** Database names (tests); default the messenger's and the files'. */
  names?: readonly string[]
}

/** Deletes every Hestia database. Open connections elsewhere are closed by Dexie's versionchange. */
export async function eraseDevice(options: EraseOptions = {}): Promise<void> {
  const names = options.names ?? [DATABASE_NAME, FILES_DATABASE_NAME]
  for (const name of names) {
    const db = new Dexie(name, {
      indexedDB: options.indexedDB ?? indexedDB,
      IDBKeyRange: options.IDBKeyRange ?? IDBKeyRange,
    })
    await db.delete()
  }
}
