/** Client API area "connectivity": relay and direct-connection status, retry a relay now. */
import { ok, type ClientFailure, type ConnectivityStatus } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { Running } from './running.ts'

export interface ConnectivityParts {
  connectivity(): ConnectivityStatus
  retryRelay(address: string): { ok: true; value: ConnectivityStatus } | ClientFailure
}

export function connectivityHandlers(
  running: Running<ConnectivityParts>,
): HandlersFor<'connectivity.status' | 'connectivity.retryRelay'> {
  return {
    'connectivity.status': async () => ok((await running()).connectivity()),
    'connectivity.retryRelay': async (r) => (await running()).retryRelay(r.address),
  }
}
