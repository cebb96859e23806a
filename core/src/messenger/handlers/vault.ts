/**
 * Client API area "vault" (issue 17, ADR 0523): the passphrase lock and "Erase this device".
 *
 * The vault itself belongs to the host (the extension keeps the data key in memory and
 * storage.session, derives keys in a worker and closes the store while locked); core only routes
 * to it and refuses everything else while locked: `gateWhileLocked` sits in front of the
 * messenger's dispatcher, so a locked device answers every non-vault request with the typed
 * failure `locked` and never reaches a handler that would open the store.
 */
import { ClientApiError, fail, isVaultRequestType, ok } from '../../client/api.ts'
import type { ClientRequest, VaultRequestType, VaultStatus } from '../../client/api.ts'
import { failureFromError } from '../../client/dispatch.ts'
import type { ClientDispatcher, HandlersFor } from '../../client/dispatch.ts'

/**
 * What the host provides. Errors it throws go through the dispatcher's one error map: a wrong
 * passphrase is ClientApiError('wrong_passphrase'), a request that does not fit the state (set a
 * passphrase twice, unlock when not locked) ClientApiError('invalid_state').
 */
export interface Vault {
  status(): Promise<VaultStatus>
  setPassphrase(passphrase: string): Promise<VaultStatus>
  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<VaultStatus>
  unlock(passphrase: string): Promise<VaultStatus>
  lock(): Promise<VaultStatus>
  setAutoLock(minutes: number | null): Promise<VaultStatus>
  erase(): Promise<VaultStatus>
}

const notHere = () =>
  Promise.reject(
    new ClientApiError('unsupported', 'this host has no at-rest encryption (no passphrase lock)'),
  )

/** The vault of a host without at-rest encryption (Node tests, tools): never locked. */
export const unprotectedVault: Vault = {
  status: () => Promise.resolve({ state: 'none', autoLockMinutes: null }),
  setPassphrase: notHere,
  changePassphrase: notHere,
  unlock: notHere,
  lock: notHere,
  setAutoLock: notHere,
  erase: notHere,
}

export function vaultHandlers(vault: Vault): HandlersFor<VaultRequestType> {
  return {
    'vault.status': async () => ok(await vault.status()),
    'vault.setPassphrase': async (r) => ok(await vault.setPassphrase(r.passphrase)),
    'vault.changePassphrase': async (r) =>
      ok(await vault.changePassphrase(r.oldPassphrase, r.newPassphrase)),
    'vault.unlock': async (r) => ok(await vault.unlock(r.passphrase)),
    'vault.lock': async () => ok(await vault.lock()),
    'vault.setAutoLock': async (r) => ok(await vault.setAutoLock(r.minutes)),
    'device.erase': async () => ok(await vault.erase()),
  }
}

export const LOCKED_MESSAGE = 'Hestia is locked: enter your passphrase to unlock it.'

/**
 * The host's dispatcher: vault requests go to the vault (they are answered while locked), every
 * other request is refused with `locked` while the vault is locked and otherwise handed to the
 * messenger's dispatcher. `onActivity` is told about each request (the auto-lock clock).
 */
export function gateWhileLocked(
  vault: Vault,
  messenger: ClientDispatcher,
  onActivity: (request: ClientRequest) => void = () => undefined,
): ClientDispatcher {
  const handlers = vaultHandlers(vault) as Record<
    VaultRequestType,
    (request: ClientRequest) => ReturnType<ClientDispatcher>
  >
  const run = async (request: ClientRequest) => {
    onActivity(request)
    try {
      const type = request.type
      if (isVaultRequestType(type)) return await handlers[type](request)
      if ((await vault.status()).state === 'locked') return fail('locked', LOCKED_MESSAGE)
    } catch (error) {
      return failureFromError(error)
    }
    return messenger(request)
  }
  return run
}
