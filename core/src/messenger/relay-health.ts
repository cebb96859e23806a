// Why a relay is not connected, in words a user can act on (issue 23): the keeper records the
// outcome of each dial here, and `connectivity()` reports it per relay (state `error` + reason)
// instead of "connecting" for ever.

/** How long one relay dial may take before it counts as timed out. */
export const RELAY_DIAL_TIMEOUT_MS = 10_000

export interface RelayHealth {
  /** Null while the relay is connected or a first attempt is under way. */
  reason: string | null
  /** When this relay's state last changed (ms since the epoch). */
  since: number
}

function describe(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    const inner = error.cause === undefined ? '' : ` ${describe(error.cause).message}`
    const nested =
      error instanceof AggregateError
        ? error.errors.map((e) => ` ${describe(e).name} ${describe(e).message}`).join('')
        : ''
    return { name: error.name, message: `${error.message}${inner}${nested}` }
  }
  // A WebSocket fails with an `error` event: bare in browsers, with the cause in Node.js.
  if (typeof error === 'object' && error !== null && 'type' in error) {
    const detail = 'error' in error && error.error !== undefined ? describe(error.error) : null
    const message = 'message' in error ? String(error.message) : ''
    return {
      name: 'Event',
      message: `${String(error.type)} ${message} ${detail === null ? '' : `${detail.name} ${detail.message}`}`,
    }
  }
  return { name: 'Unknown', message: String(error) }
}

/**
 * The reason a dial to a relay failed. `elapsedMs` tells a timeout from a refusal when the error
 * itself does not (an aborted dial throws the same error as a failed one in some transports).
 */
export function relayFailureReason(
  error: unknown,
  elapsedMs: number,
  timeoutMs = RELAY_DIAL_TIMEOUT_MS,
): string {
  const { name, message } = describe(error)
  const text = `${name} ${message}`
  if (
    /UnexpectedPeer|unexpected peer|peer id.*(mismatch|did not match)|does not match expected remote identity/i.test(
      text,
    )
  )
    return 'wrong relay identity (the relay ID in the address does not match the server)'
  if (/ECONNREFUSED|connection refused/i.test(text)) return 'unreachable: connection refused'
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|name not resolved/i.test(text))
    return 'unreachable: host not found'
  if (/EHOSTUNREACH|ENETUNREACH/i.test(text)) return 'unreachable: no route to the host'
  if (elapsedMs >= timeoutMs - 250 || /TimeoutError|timed? ?out/i.test(text))
    return `timed out after ${Math.round(timeoutMs / 1000)} s`
  if (/NoValidAddresses|no valid addresses|not supported|denied|gater/i.test(text))
    return 'not allowed: this build cannot dial that kind of address'
  // Browsers hide why a WebSocket failed; a quick failure is a refusal or an unknown host.
  return 'unreachable: connection refused or host not found'
}
