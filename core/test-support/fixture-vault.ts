/**
 * The fixture client's passphrase lock (issue 17): the same answers as the extension's vault
 * (status, typed `wrong_passphrase`, `invalid_state`), in memory and without key derivation, so UI
 * tests and the dev page can show the unlock screen and the Settings controls.
 */
import { LOCKED_MESSAGE } from '../src/messenger/handlers/vault.ts'
import { fail, ok } from '../src/client/api.ts'
import type {
  ClientRequest,
  ClientResponse,
  VaultRequestType,
  VaultStatus,
} from '../src/client/api.ts'

type VaultRequest = Extract<ClientRequest, { type: VaultRequestType }>

export class FixtureVault {
  #passphrase: string | null = null
  #locked = false
  #autoLockMinutes: number | null = 15
  readonly #changed: (vault: VaultStatus) => void
  readonly #erased: () => void

  constructor(changed: (vault: VaultStatus) => void, erased: () => void) {
    this.#changed = changed
    this.#erased = erased
  }

  get locked(): boolean {
    return this.#locked
  }

  get status(): VaultStatus {
    const state = this.#passphrase === null ? 'none' : this.#locked ? 'locked' : 'unlocked'
    return { state, autoLockMinutes: this.#autoLockMinutes }
  }

  refuseWhileLocked(): ClientResponse | null {
    return this.#locked ? fail('locked', LOCKED_MESSAGE) : null
  }

  handle(request: VaultRequest): ClientResponse<VaultStatus> {
    switch (request.type) {
      case 'vault.status':
        return ok(this.status)
      case 'vault.setPassphrase':
        if (this.#passphrase !== null) return fail('invalid_state', 'a passphrase is already set')
        this.#passphrase = request.passphrase
        return this.#announce()
      case 'vault.changePassphrase':
        if (this.#passphrase === null) return fail('invalid_state', 'no passphrase is set')
        if (request.oldPassphrase !== this.#passphrase) return this.#wrong()
        this.#passphrase = request.newPassphrase
        return this.#announce()
      case 'vault.unlock':
        if (!this.#locked) return fail('invalid_state', 'Hestia is not locked')
        if (request.passphrase !== this.#passphrase) return this.#wrong()
        this.#locked = false
        return this.#announce()
      case 'vault.lock':
        if (this.#passphrase === null) return fail('invalid_state', 'no passphrase is set')
        this.#locked = true
        return this.#announce()
      case 'vault.setAutoLock':
        this.#autoLockMinutes = request.minutes
        return this.#announce()
      case 'device.erase':
        this.#passphrase = null
        this.#locked = false
        this.#erased()
        return this.#announce()
    }
  }

  #wrong(): ClientResponse<VaultStatus> {
    return fail('wrong_passphrase', 'the passphrase does not unwrap the data key')
  }

  #announce(): ClientResponse<VaultStatus> {
    this.#changed(this.status)
    return ok(this.status)
  }
}
