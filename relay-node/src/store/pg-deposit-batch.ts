/**
 * The deposits of one group commit in one call (schema 3, hestia_deposit_batch; ADR 0233): a batch
 * of N deposits is one round trip to PostgreSQL instead of N, and when the batch holds nothing else
 * it is one statement, so its own transaction (no BEGIN/COMMIT round trips). The ids and envelopes
 * go as two binary parameters (concatenated), not as bytea arrays: node-postgres would hex-encode
 * every element into one text literal (twice the bytes, and a measured share of the relay's CPU). Each element goes
 * through the same per-deposit function in order, so quotas, sequence numbers and the NOTIFY order
 * are those of N separate calls.
 */
import type pg from 'pg'
import type { DepositInput, DepositOutcome, QuotaLimits } from './mailbox-store.ts'

export interface DepositArgs {
  input: DepositInput
  limits: QuotaLimits
}

const DEPOSIT_BATCH = {
  name: 'h_deposit_batch',
  text: 'SELECT d.outcome, d.seq FROM hestia_deposit_batch($1, $2, $3::integer[], $4::bigint[], $5, $6, $7) WITH ORDINALITY AS d(outcome, seq, n) ORDER BY d.n',
}
/** Mailbox ids travel back to back in one parameter: each must be exactly this long. */
const ID_BYTES = 32

/** What one row of hestia_deposit or hestia_deposit_batch means. */
export function depositOutcomeOf(row: Record<string, unknown>): DepositOutcome {
  if (row.outcome === 'ok') return { ok: true, id: BigInt(row.seq as string) }
  return { ok: false, reason: row.outcome as 'unknown_mailbox' | 'mailbox_full' | 'relay_full' }
}

function sameLimits(a: QuotaLimits, b: QuotaLimits): boolean {
  return (
    a.maxMessagesPerMailbox === b.maxMessagesPerMailbox &&
    a.maxBytesPerMailbox === b.maxBytesPerMailbox &&
    a.maxTotalBytes === b.maxTotalBytes
  )
}

/**
 * The writes of a batch that go into one hestia_deposit_batch call: its deposits with the first
 * deposit's limits (a relay passes the same limits to every deposit), when there are two or more.
 */
export function depositsTogether<W extends { deposit?: DepositArgs }>(batch: readonly W[]): W[] {
  const first = batch.find((w) => w.deposit !== undefined)?.deposit
  if (first === undefined) return []
  const together = batch.filter(
    (w) =>
      w.deposit !== undefined &&
      w.deposit.input.mailboxId.length === ID_BYTES &&
      sameLimits(w.deposit.limits, first.limits),
  )
  return together.length >= 2 ? together : []
}

/** One call for all of `deposits`; the outcomes in the same order. */
export async function depositMany(
  client: pg.PoolClient,
  deposits: readonly DepositArgs[],
): Promise<DepositOutcome[]> {
  const limits = deposits[0]!.limits
  const r = await client.query({
    ...DEPOSIT_BATCH,
    values: [
      Buffer.concat(deposits.map((d) => d.input.mailboxId)),
      Buffer.concat(deposits.map((d) => d.input.sealed)),
      deposits.map((d) => d.input.sealed.length),
      deposits.map((d) => d.input.expiresAt),
      limits.maxMessagesPerMailbox,
      limits.maxBytesPerMailbox,
      limits.maxTotalBytes,
    ],
  })
  if (r.rows.length !== deposits.length) {
    throw new Error(`hestia_deposit_batch answered ${r.rows.length} rows for ${deposits.length}`)
  }
  return r.rows.map((row) => depositOutcomeOf(row as Record<string, unknown>))
}
