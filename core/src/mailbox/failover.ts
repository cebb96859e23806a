/**
 * Deposits through a community's relay instances in turn (issue 22, ADR 0230). Instances that share
 * one store serve the same mailboxes, so when the first cannot be reached (dial or stream failure,
 * timeout) or its database is unavailable (`internal`), the next one takes the same deposit. A
 * relay's answer about the deposit itself (bad capability, mailbox full, rate limited …) is final:
 * every instance would give the same one.
 *
 * A relay that is not one of the mailbox's instances answers `unknown_mailbox` (the mailbox was
 * created on its home instance only), so trying the next address never stores the message
 * somewhere its owner does not read; such an answer from a later address is skipped, and the
 * caller hears the first instance's failure as before. If the first instance committed but its answer was lost, the
 * next one stores a second copy, as any retry does; receivers drop it by message id.
 */
import type { DepositAddress } from './client.ts'
import { MailboxError } from './errors.ts'

export interface DepositTarget {
  deposit(to: DepositAddress, sealed: Uint8Array, options?: { expiryS?: number }): Promise<bigint>
}

/** True when another instance of the same community may succeed where this one failed. */
export function worthAnotherInstance(err: unknown): boolean {
  if (err instanceof MailboxError) return err.code === 'internal'
  return true // no answer at all: the instance is unreachable, restarting or gone
}

/**
 * Tries each target in order until one acknowledges; resolves with that target's index and the
 * deposit id. Throws the last error when none did, or at once on a final answer.
 */
export async function depositWithFailover(
  targets: readonly DepositTarget[],
  to: DepositAddress,
  sealed: Uint8Array,
  options: { expiryS?: number } = {},
): Promise<{ index: number; id: bigint }> {
  if (targets.length === 0) throw new Error('no relay to deposit to')
  let last: unknown
  for (const [index, target] of targets.entries()) {
    try {
      return { index, id: await target.deposit(to, sealed, options) }
    } catch (err) {
      const notAnInstance =
        index > 0 && err instanceof MailboxError && err.code === 'unknown_mailbox'
      if (notAnInstance) continue
      if (!worthAnotherInstance(err)) throw err
      last = err
    }
  }
  throw last
}
