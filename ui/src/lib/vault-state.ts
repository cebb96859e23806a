// The passphrase lock as the popup sees it (issue 17): the vault's status, kept current by
// `vault.changed` (auto-lock, another tab), and the actions of the unlock screen and Settings.
// While locked the node answers every other request `locked`: App shows only the unlock screen.
import type {
  ClientErrorBody,
  ClientRequest,
  MessengerClient,
  VaultRequestType,
  VaultStatus,
} from '@hestia/core/client/api.ts'
import { call, errorBody } from './client-call.ts'
import type { Loadable } from './app-state.ts'
import { Box } from './reactive-box.ts'

export class VaultState {
  readonly client: MessengerClient
  readonly #status = new Box<Loadable<VaultStatus>>({ status: 'loading' })
  get status(): Loadable<VaultStatus> {
    return this.#status.value
  }
  set status(value: Loadable<VaultStatus>) {
    this.#status.value = value
  }

  constructor(client: MessengerClient) {
    this.client = client
  }

  get state(): VaultStatus['state'] | null {
    return this.status.status === 'ready' ? this.status.value.state : null
  }

  #changed: (from: VaultStatus['state'] | null, to: VaultStatus['state']) => void = () => undefined

  /** Every answer and event lands here: a change of state is told once, whichever came first. */
  #set(value: VaultStatus): void {
    const was = this.state
    this.status = { status: 'ready', value }
    if (was !== value.state) this.#changed(was, value.state)
  }

  /**
   * Follows vault.changed (auto-lock, another tab); `changed` runs once per change of state (App
   * reloads its screens after an unlock or an erase).
   */
  start(
    changed: (from: VaultStatus['state'] | null, to: VaultStatus['state']) => void = () =>
      undefined,
  ): () => void {
    this.#changed = changed
    const unsubscribe = this.client.subscribe((event) => {
      if (event.type === 'vault.changed') this.#set(event.vault)
    })
    void this.load()
    return unsubscribe
  }

  /**
   * Asks for the status; while the host is still starting (a popup opened right after the browser,
   * the host document being created) the answer is `unavailable` or `timeout`, so it asks again,
   * a bounded number of times: the unlock screen must not depend on the first answer.
   */
  async load(attempts = 8, delayMs = 250): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#set(await call(this.client, { type: 'vault.status' }))
        return
      } catch (error) {
        const body = errorBody(error)
        const transient = body.code === 'unavailable' || body.code === 'timeout'
        if (!transient || attempt >= attempts) {
          this.status = { status: 'error', error: body }
          return
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs * 2 ** attempt, 4_000)))
      }
    }
  }

  /** Runs one vault request; its answer is the new status. Returns the error, if any. */
  async #run(
    request: Extract<ClientRequest, { type: VaultRequestType }>,
  ): Promise<ClientErrorBody | null> {
    try {
      this.#set(await call(this.client, request))
      return null
    } catch (error) {
      return errorBody(error)
    }
  }

  unlock(passphrase: string): Promise<ClientErrorBody | null> {
    return this.#run({ type: 'vault.unlock', passphrase })
  }
  lock(): Promise<ClientErrorBody | null> {
    return this.#run({ type: 'vault.lock' })
  }
  setPassphrase(passphrase: string): Promise<ClientErrorBody | null> {
    return this.#run({ type: 'vault.setPassphrase', passphrase })
  }
  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<ClientErrorBody | null> {
    return this.#run({ type: 'vault.changePassphrase', oldPassphrase, newPassphrase })
  }
  setAutoLock(minutes: number | null): Promise<ClientErrorBody | null> {
    return this.#run({ type: 'vault.setAutoLock', minutes })
  }
  erase(): Promise<ClientErrorBody | null> {
    return this.#run({ type: 'device.erase' })
  }
}
