/**
 * The passphrase lock (issue 17, ADR 0523): whether this device's data is protected by a
 * passphrase, locked or unlocked, the auto-lock time, and erasing the device.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 *
 * Passphrases cross the port as strings (plain data, ADR 0501); the host turns them into bytes,
 * derives the key in its worker and keeps neither the passphrase nor its bytes afterwards.
 */

type Empty = Record<never, never>

/**
 * none: no passphrase (the database is not encrypted); locked: encrypted and the data key is not
 * in memory (every request except the vault's and `device.erase` answers `locked`); unlocked.
 */
export const VAULT_STATES = ['none', 'locked', 'unlocked'] as const
export type VaultState = (typeof VAULT_STATES)[number]

export interface VaultStatus {
  state: VaultState
  /** Lock after this many minutes without a request from a Hestia page; null: never. */
  autoLockMinutes: number | null
}

export const VAULT_LIMITS = {
  /** New passphrases: shorter ones fall to a guessing attack on a stolen profile in hours. */
  passphraseMinChars: 8,
  /** Any passphrase (Argon2id takes any length; this only bounds what the port accepts). */
  passphraseMaxChars: 1_024,
  autoLockMaxMinutes: 24 * 60,
} as const

/** Auto-lock times the Settings screen offers (minutes; null: never). */
export const AUTO_LOCK_CHOICES: readonly (number | null)[] = [1, 5, 15, 60, 240, null]

/** The vault's requests; they are answered while locked. */
export interface VaultRequestTable {
  'vault.status': { params: Empty; result: VaultStatus }
  /** Turns encryption on: the existing database is encrypted in place (ADR 0521). Then unlocked. */
  'vault.setPassphrase': { params: { passphrase: string }; result: VaultStatus }
  /** Rewraps the data key under a new passphrase (nothing else is re-encrypted). */
  'vault.changePassphrase': {
    params: { oldPassphrase: string; newPassphrase: string }
    result: VaultStatus
  }
  'vault.unlock': { params: { passphrase: string }; result: VaultStatus }
  /** Stops the messenger, closes the store and forgets the data key. */
  'vault.lock': { params: Empty; result: VaultStatus }
  'vault.setAutoLock': { params: { minutes: number | null }; result: VaultStatus }
  /**
   * Deletes every Hestia database, staged file and key on this device. A forgotten passphrase
   * ends here: erase, then restore from a backup.
   */
  'device.erase': { params: Empty; result: VaultStatus }
}

export const VAULT_REQUEST_TYPES = [
  'vault.status',
  'vault.setPassphrase',
  'vault.changePassphrase',
  'vault.unlock',
  'vault.lock',
  'vault.setAutoLock',
  'device.erase',
] as const satisfies readonly (keyof VaultRequestTable)[]

export type VaultRequestType = (typeof VAULT_REQUEST_TYPES)[number]

export function isVaultRequestType(type: string): type is VaultRequestType {
  return (VAULT_REQUEST_TYPES as readonly string[]).includes(type)
}
