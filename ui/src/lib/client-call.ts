// One error path for the UI: a failed request becomes a typed error carrying the sentence to show.
import { CLIENT_ERROR_TEXT, ClientApiError } from '@hestia/core/client/api.ts'
import type {
  ClientErrorBody,
  ClientRequest,
  MessengerClient,
  ResultFor,
} from '@hestia/core/client/api.ts'

/** Sends a request and returns its value, or throws ClientApiError with the node's code. */
export async function call<T extends ClientRequest>(
  client: MessengerClient,
  request: T,
): Promise<ResultFor<T['type']>> {
  const response = await client.request(request)
  if (response.ok) return response.value
  throw ClientApiError.fromBody(response.error)
}

/** Any thrown value as an error body the UI can show. */
export function errorBody(error: unknown): ClientErrorBody {
  if (error instanceof ClientApiError) return error.toBody()
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) }
}

export function errorText(error: ClientErrorBody): string {
  return CLIENT_ERROR_TEXT[error.code]
}
