/**
 * Validation of the vault's requests, results and event (issue 17; vault.ts), spread into the
 * tables of ../validate.ts. New passphrases are held to VAULT_LIMITS.passphraseMinChars here, at the
 * port, so a short one is refused before any key is derived; an unlock attempt takes any non-empty
 * passphrase (a wrong one is answered `wrong_passphrase` after the derivation).
 */
import { VAULT_LIMITS, VAULT_STATES } from './vault.ts'
import type { VaultRequestType, VaultStatus } from './vault.ts'
import type { RequestFor, ResultFor } from './requests.ts'
import { int, lit, nullable, obj, oneOf, str } from '../schema.ts'
import type { Schema } from '../schema.ts'

const anyPassphrase = str(VAULT_LIMITS.passphraseMaxChars, 1)
const newPassphrase = str(VAULT_LIMITS.passphraseMaxChars, VAULT_LIMITS.passphraseMinChars)
const autoLockMinutes = nullable(int(1, VAULT_LIMITS.autoLockMaxMinutes))

export const vaultStatus = obj<VaultStatus>({ state: oneOf(VAULT_STATES), autoLockMinutes })

export const vaultRequestSchemas: { [K in VaultRequestType]: Schema<RequestFor<K>> } = {
  'vault.status': obj({ type: lit('vault.status') }),
  'vault.setPassphrase': obj({ type: lit('vault.setPassphrase'), passphrase: newPassphrase }),
  'vault.changePassphrase': obj({
    type: lit('vault.changePassphrase'),
    oldPassphrase: anyPassphrase,
    newPassphrase,
  }),
  'vault.unlock': obj({ type: lit('vault.unlock'), passphrase: anyPassphrase }),
  'vault.lock': obj({ type: lit('vault.lock') }),
  'vault.setAutoLock': obj({ type: lit('vault.setAutoLock'), minutes: autoLockMinutes }),
  'device.erase': obj({ type: lit('device.erase') }),
}

export const vaultResultSchemas: { [K in VaultRequestType]: Schema<ResultFor<K>> } = {
  'vault.status': vaultStatus,
  'vault.setPassphrase': vaultStatus,
  'vault.changePassphrase': vaultStatus,
  'vault.unlock': vaultStatus,
  'vault.lock': vaultStatus,
  'vault.setAutoLock': vaultStatus,
  'device.erase': vaultStatus,
}
