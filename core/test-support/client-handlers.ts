/**
 * Test support: a full `ClientHandlers` table from the few handlers a transport test needs; every
 * other request type answers `unsupported`. Production code composes every handler explicitly
 * (core/src/messenger/handlers/index.ts), so a missing one there is a compile error.
 */
import { fail, type ClientRequest } from '../src/client/api.ts'
import type { ClientHandlers } from '../src/client/dispatch.ts'
import { CLIENT_REQUEST_TYPES } from '../src/client/validate.ts'

export function handlersWith(some: Partial<ClientHandlers>): ClientHandlers {
  const unsupported = (request: ClientRequest) =>
    Promise.resolve(fail('unsupported', `${request.type} is not available in this build yet`))
  const all = Object.fromEntries(CLIENT_REQUEST_TYPES.map((type) => [type, unsupported]))
  return { ...all, ...some } as ClientHandlers
}
