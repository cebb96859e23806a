// "Send message history to <device>" (issue 19, ADR 0790) as the popup sees it: the size to show
// before the user chooses, the transfer once started (kept current by `device.history` events of
// this device sending to that one), and the last error. The screen only reads it and calls
// load/send, so it can be rendered from a state a test drove.
import type {
  ClientErrorBody,
  DeviceId,
  HistorySize,
  HistoryTransfer,
  MessengerClient,
} from '@hestia/core/client/api.ts'
import { call, errorBody } from './client-call.ts'
import { Box } from './reactive-box.ts'

export class HistoryOffer {
  readonly client: MessengerClient
  readonly deviceId: DeviceId
  readonly #size = new Box<HistorySize | null>(null)
  readonly #transfer = new Box<HistoryTransfer | null>(null)
  readonly #error = new Box<ClientErrorBody | null>(null)
  readonly #busy = new Box(false)
  get size(): HistorySize | null {
    return this.#size.value
  }
  get transfer(): HistoryTransfer | null {
    return this.#transfer.value
  }
  get error(): ClientErrorBody | null {
    return this.#error.value
  }
  get busy(): boolean {
    return this.#busy.value
  }

  constructor(client: MessengerClient, deviceId: DeviceId) {
    this.client = client
    this.deviceId = deviceId
  }

  /** Follows this transfer's events; returns the stop function. */
  start(): () => void {
    return this.client.subscribe((event) => {
      if (event.type !== 'device.history') return
      const t = event.transfer
      if (t.direction === 'out' && t.deviceId === this.deviceId) this.#transfer.value = t
    })
  }

  async load(): Promise<void> {
    this.#error.value = null
    try {
      this.#size.value = await call(this.client, {
        type: 'devices.historySize',
        deviceId: this.deviceId,
      })
    } catch (error) {
      this.#error.value = errorBody(error)
    }
  }

  async send(): Promise<void> {
    if (this.busy) return
    this.#busy.value = true
    this.#error.value = null
    try {
      const started = await call(this.client, {
        type: 'devices.sendHistory',
        deviceId: this.deviceId,
      })
      // An event may already have moved it further than the answer says.
      const shown = this.transfer
      if (shown === null || shown.state !== 'done') this.#transfer.value = started
    } catch (error) {
      this.#error.value = errorBody(error)
    }
    this.#busy.value = false
  }
}
