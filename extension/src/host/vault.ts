// The passphrase lock as the node's host runs it (issue 17, ADR 0523): the Vault behind the
// client API's vault.* requests (core/src/messenger/handlers/vault.ts).
//
// What it holds: the unwrapped 32-byte data key while unlocked, in memory and in the session-key
// store (storage.session-like: survives a restart of the host document, never the browser), and
// never the passphrase: its bytes are zeroed as soon as the key is derived. Locking removes the
// session copy first, then the host stops the messenger and closes the store (`onLock`), then
// the key is zeroed. The auto-lock timer runs here, in the host, which outlives the popup.

import { ClientApiError } from '@hestia/core/client/api.ts'
import type { VaultStatus } from '@hestia/core/client/api.ts'
import type { Vault } from '@hestia/core/messenger/handlers/vault.ts'
import { passphraseBytes } from '@hestia/core/store/at-rest/argon2id.ts'
import type { Argon2idParams, PassphraseKdf } from '@hestia/core/store/at-rest/argon2id.ts'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'
import type { RowSealer } from '@hestia/core/store/at-rest/row-sealer.ts'
import {
  AtRestStateError,
  StoreLockedError,
  changePassphrase,
  encryptDatabase,
  readKeyring,
  sealerFor,
  unlockDataKey,
} from '../store/at-rest.ts'
import type { AtRestDatabaseOptions } from '../store/at-rest.ts'
import { eraseDevice } from '../store/erase.ts'
import { filePieceCipher, type PieceCipher } from '../files/sealed-pieces.ts'
import type { SessionKeys } from './session-keys.ts'

/** Where the auto-lock choice is kept (a clear setting: it says nothing about the user). */
export interface AutoLockSetting {
  read(): number | null | undefined
  write(minutes: number | null): void
  /** Erase: forgets the choice (and whatever else the host keeps beside it). */
  clear(): void
}

export interface HostVaultOptions {
  readonly kdf: PassphraseKdf
  /** Unlock parameters for a new or changed passphrase (calibrateUnlock: the worker, timed). */
  readonly calibrate: () => Promise<Argon2idParams>
  readonly sessionKeys: SessionKeys
  readonly autoLock: AutoLockSetting
  /** Stops the messenger and closes the store (lock, erase, before encrypting). */
  readonly closeMessenger: () => Promise<void>
  /** Starts the messenger again (after unlock, or once encryption is on). */
  readonly startMessenger: () => void
  readonly changed: (status: VaultStatus) => void
  /** Test databases; default the extension's. */
  readonly database?: AtRestDatabaseOptions
  /** Tests: a weaker floor so Argon2id runs fast. */
  readonly floor?: Argon2idParams
  readonly erase?: () => Promise<void>
  readonly clock?: () => number
  readonly log?: (message: string, error?: unknown) => void
}

/** Auto-lock of a new passphrase until the user picks another time (minutes). */
export const DEFAULT_AUTO_LOCK_MINUTES = 15

function wrongPassphrase(error: unknown): never {
  if (error instanceof AtRestError && error.code === 'wrong_passphrase')
    throw new ClientApiError('wrong_passphrase', error.message)
  if (error instanceof AtRestStateError) throw new ClientApiError('invalid_state', error.message)
  throw error
}

export class HostVault implements Vault {
  readonly #options: HostVaultOptions
  #dataKey: Uint8Array | null = null
  /** Whether the database has a keyring row; read once, then kept up to date here. */
  #encrypted: boolean | undefined
  readonly #sealers = new Set<RowSealer>()
  /** The files database's cipher for the current unlock (dropped on lock). */
  #filesCipher: Promise<PieceCipher> | undefined
  /** One vault operation at a time: unlock racing lock, two tabs setting a passphrase… */
  #queue: Promise<unknown> = Promise.resolve()
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(options: HostVaultOptions) {
    this.#options = options
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #isEncrypted(): Promise<boolean> {
    this.#encrypted ??= (await readKeyring(this.#options.database)) !== undefined
    return this.#encrypted
  }

  get #autoLockMinutes(): number | null {
    const stored = this.#options.autoLock.read()
    return stored === undefined ? DEFAULT_AUTO_LOCK_MINUTES : stored
  }

  /** The state, adopting the session copy of the key after a restart of the host document. */
  async #status(): Promise<VaultStatus> {
    const autoLockMinutes = this.#autoLockMinutes
    if (!(await this.#isEncrypted())) return { state: 'none', autoLockMinutes }
    if (this.#dataKey === null) {
      const kept = await this.#options.sessionKeys.read()
      if (kept !== null) {
        this.#dataKey = kept
        this.touch()
      }
    }
    return { state: this.#dataKey === null ? 'locked' : 'unlocked', autoLockMinutes }
  }

  status(): Promise<VaultStatus> {
    return this.#serial(() => this.#status())
  }

  /**
   * What the store is opened with: no sealer for a database without a passphrase; a sealer over
   * a copy of the data key while unlocked (forgotten on lock); StoreLockedError while locked.
   */
  async sealer(): Promise<RowSealer | undefined> {
    // Not queued behind vault operations: lock waits for a messenger start in progress to end,
    // and that start may be waiting for this sealer (a queued sealer would deadlock them).
    const status = await this.#status()
    if (status.state === 'none') return undefined
    if (this.#dataKey === null) throw new StoreLockedError()
    const sealer = sealerFor(Uint8Array.from(this.#dataKey), this.#options.database)
    this.#sealers.add(sealer)
    return sealer
  }

  /**
   * The files database's cipher (AES-GCM under HKDF(data key), sealed-pieces.ts): none without a
   * passphrase, StoreLockedError while locked. One per unlock; its WebCrypto key is
   * non-extractable and is dropped (not zeroable) on lock.
   */
  async filesCipher(): Promise<PieceCipher | undefined> {
    const status = await this.#status()
    if (status.state === 'none') return undefined
    if (this.#dataKey === null) throw new StoreLockedError()
    if (this.#filesCipher === undefined) {
      const copy = Uint8Array.from(this.#dataKey)
      this.#filesCipher = filePieceCipher(copy).finally(() => copy.fill(0))
    }
    return this.#filesCipher
  }

  async #adopt(dataKey: Uint8Array): Promise<VaultStatus> {
    this.#dataKey = dataKey
    await this.#options.sessionKeys.write(dataKey)
    this.touch()
    this.#options.startMessenger()
    return this.#announce()
  }

  async #announce(): Promise<VaultStatus> {
    const status = await this.#status()
    this.#options.changed(status)
    return status
  }

  async #withBytes<T>(passphrase: string, use: (bytes: Uint8Array) => Promise<T>): Promise<T> {
    const bytes = passphraseBytes(passphrase)
    try {
      return await use(bytes)
    } finally {
      bytes.fill(0)
    }
  }

  #kdfOptions(params: Argon2idParams) {
    const { kdf, floor, database } = this.#options
    return { ...database, kdf, params, ...(floor ? { floor } : {}) }
  }

  setPassphrase(passphrase: string): Promise<VaultStatus> {
    return this.#serial(async () => {
      if ((await this.#status()).state !== 'none')
        throw new ClientApiError('invalid_state', 'A passphrase is already set: change it instead.')
      const params = await this.#options.calibrate()
      // encryptDatabase rewrites every row in one transaction: nothing else may hold the store.
      await this.#options.closeMessenger()
      try {
        const dataKey = await this.#withBytes(passphrase, (bytes) =>
          encryptDatabase(bytes, this.#kdfOptions(params)),
        )
        this.#encrypted = true
        return await this.#adopt(dataKey)
      } catch (error) {
        // Nothing was written (one transaction): the plaintext store opens as before.
        this.#options.startMessenger()
        return wrongPassphrase(error)
      }
    })
  }

  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<VaultStatus> {
    return this.#serial(async () => {
      if ((await this.#status()).state !== 'unlocked')
        throw new ClientApiError('invalid_state', 'Unlock Hestia before changing its passphrase.')
      const params = await this.#options.calibrate()
      await this.#withBytes(oldPassphrase, (old) =>
        this.#withBytes(newPassphrase, (next) =>
          changePassphrase(old, next, this.#kdfOptions(params)).catch(wrongPassphrase),
        ),
      )
      return this.#announce()
    })
  }

  unlock(passphrase: string): Promise<VaultStatus> {
    return this.#serial(async () => {
      if ((await this.#status()).state !== 'locked')
        throw new ClientApiError('invalid_state', 'Hestia is not locked.')
      const dataKey = await this.#withBytes(passphrase, (bytes) =>
        unlockDataKey(bytes, { ...this.#options.database, kdf: this.#options.kdf }).catch(
          wrongPassphrase,
        ),
      )
      return this.#adopt(dataKey)
    })
  }

  /** Session copy first (a restart now finds no key), then the store, then the key itself. */
  async #forget(): Promise<void> {
    clearTimeout(this.#timer)
    await this.#options.sessionKeys.remove()
    await this.#options.closeMessenger()
    for (const sealer of this.#sealers) sealer.forget()
    this.#sealers.clear()
    this.#filesCipher = undefined
    this.#dataKey?.fill(0)
    this.#dataKey = null
  }

  lock(): Promise<VaultStatus> {
    return this.#serial(async () => {
      if ((await this.#status()).state === 'none')
        throw new ClientApiError('invalid_state', 'Set a passphrase before locking Hestia.')
      await this.#forget()
      return this.#announce()
    })
  }

  setAutoLock(minutes: number | null): Promise<VaultStatus> {
    return this.#serial(async () => {
      this.#options.autoLock.write(minutes)
      this.touch()
      return this.#announce()
    })
  }

  erase(): Promise<VaultStatus> {
    return this.#serial(async () => {
      await this.#forget()
      await (this.#options.erase ?? (() => eraseDevice(this.#options.database)))()
      this.#options.autoLock.clear()
      this.#encrypted = false
      this.#options.startMessenger()
      return this.#announce()
    })
  }

  /** A page asked for something: the auto-lock clock starts again. */
  touch(): void {
    clearTimeout(this.#timer)
    const minutes = this.#autoLockMinutes
    if (minutes === null || this.#dataKey === null) return
    this.#timer = setTimeout(() => {
      this.lock().catch((error: unknown) => this.#options.log?.('auto-lock failed', error))
    }, minutes * 60_000)
    // Node (tests, tools): the clock must not keep the process alive; browsers have no unref.
    ;(this.#timer as { unref?: () => void }).unref?.()
  }
}
