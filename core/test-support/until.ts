/**
 * Polls `check` every 10 ms until it holds; throws naming `what` after `ms` (default 5 s). For
 * unit tests that wait for a state reached through streams and timers.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}
