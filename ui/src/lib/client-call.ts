// One error path for the UI: a failed request becomes a typed error carrying the sentence to show.
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import type {
  ClientErrorBody,
  ClientErrorCode,
  ClientRequest,
  MessengerClient,
  ResultFor,
} from '@hestia/core/client/api.ts'

export class ClientRequestError extends Error {
  override readonly name = 'ClientRequestError'
  readonly code: ClientErrorCode
  constructor(body: ClientErrorBody) {
    super(body.message)
    this.code = body.code
  }
  /** The sentence a person sees (never the node's detail message, which is for bug reports). */
  get userText(): string {
    return CLIENT_ERROR_TEXT[this.code]
  }
  toBody(): ClientErrorBody {
    return { code: this.code, message: this.message }
  }
}

/** Sends a request and returns its value, or throws ClientRequestError with the node's code. */
export async function call<T extends ClientRequest>(
  client: MessengerClient,
  request: T,
): Promise<ResultFor<T['type']>> {
  const response = await client.request(request)
  if (response.ok) return response.value
  throw new ClientRequestError(response.error)
}

/** Any thrown value as an error body the UI can show. */
export function errorBody(error: unknown): ClientErrorBody {
  if (error instanceof ClientRequestError) return error.toBody()
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) }
}

export function errorText(error: ClientErrorBody): string {
  return CLIENT_ERROR_TEXT[error.code]
}
