/**
 * The relay's checks on a deposit, in the order it answers them (ADR 0240): the depositor's
 * capability, then the mailbox's idle expiry. Stores that run them in application code (SQLite)
 * use this; the PostgreSQL store runs the same checks in hestia_deposit_checked (schema 4).
 */
import { equalBytes } from '@hestia/core/mailbox/index.ts'
import type { DepositCheck } from './mailbox-store.ts'

/** Why `check` refuses a deposit into this mailbox, or undefined when it passes. */
export function depositRefusal(
  mailbox: { capabilityHash: Uint8Array; lastSeenDay: number },
  check: DepositCheck | undefined,
): 'bad_capability' | 'mailbox_expired' | undefined {
  if (check === undefined) return undefined
  // Constant time, although a hash of the caller's input leaks nothing useful through timing.
  if (!equalBytes(mailbox.capabilityHash, check.capabilityHash)) return 'bad_capability'
  if (mailbox.lastSeenDay < check.aliveSinceDay) return 'mailbox_expired'
  return undefined
}
