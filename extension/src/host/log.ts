// The host's log: the console of the offscreen document / background page. Errors are written
// out (name, message, stack) because a bare object prints as "[object Object]" in Chrome's log.

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`
  try {
    return JSON.stringify(error)
  } catch {
    return String(error)
  }
}

export function hostLog(message: string, error?: unknown): void {
  if (error === undefined) console.warn(`Hestia: ${message}`)
  else console.error(`Hestia: ${message}: ${describeError(error)}`)
}
