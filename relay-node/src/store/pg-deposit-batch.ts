/**
 * The deposits of one group commit in one call (hestia_deposit_batch_checked, schema 4; ADRs 0233,
 * 0240): a batch of N deposits is one round trip to PostgreSQL instead of N, and when the batch
 * holds nothing else it is one statement, so its own transaction (no BEGIN/COMMIT round trips).
 * The relay's checks (capability, idle expiry) run in the same call, so a deposit costs no read of
 * its own. When all of a batch is accepted the server writes it set-wise (one INSERT, one UPDATE
 * per mailbox and of the totals); otherwise each element goes through the per-deposit function in
 * order. Either way quotas, sequence numbers and the NOTIFY order are those of N separate calls.
 *
 * The ids, capability hashes and envelopes go as binary parameters (concatenated), not as bytea
 * arrays: node-postgres would hex-encode every element into one text literal (twice the bytes,
 * and a measured share of the relay's CPU).
 */
import type pg from 'pg'
import type { DepositCheck, DepositInput, DepositOutcome, QuotaLimits } from './mailbox-store.ts'

export interface DepositArgs {
  input: DepositInput
  limits: QuotaLimits
  check: DepositCheck | undefined
}

const DEPOSIT_BATCH = {
  name: 'h_deposit_batch_checked',
  text: 'SELECT d.outcome, d.seq FROM hestia_deposit_batch_checked($1, $2, $3::integer[], $4::bigint[], $5, $6, $7, $8, $9) WITH ORDINALITY AS d(outcome, seq, n) ORDER BY d.n',
}
/** Mailbox ids and capability hashes travel back to back in one parameter: each this long. */
const ID_BYTES = 32

// sequence_moved comes only from the compare-and-append call (postgres-store.ts, ADR 0132).
type Refusal = Exclude<Extract<DepositOutcome, { ok: false }>['reason'], 'sequence_moved'>
const REFUSALS = new Set<string>([
  'unknown_mailbox',
  'bad_capability',
  'mailbox_expired',
  'mailbox_full',
  'relay_full',
] satisfies Refusal[])

/** What one row of the deposit functions means. */
export function depositOutcomeOf(row: Record<string, unknown>): DepositOutcome {
  if (row.outcome === 'ok') return { ok: true, id: BigInt(row.seq as string) }
  if (typeof row.outcome === 'string' && REFUSALS.has(row.outcome)) {
    return { ok: false, reason: row.outcome as Refusal }
  }
  throw new Error(`the deposit function answered an unknown outcome: ${String(row.outcome)}`)
}

/** Deposits share one call only with the same limits and the same kind of check. */
function sameCall(a: DepositArgs, b: DepositArgs): boolean {
  return (
    a.limits.maxMessagesPerMailbox === b.limits.maxMessagesPerMailbox &&
    a.limits.maxBytesPerMailbox === b.limits.maxBytesPerMailbox &&
    a.limits.maxTotalBytes === b.limits.maxTotalBytes &&
    a.check?.aliveSinceDay === b.check?.aliveSinceDay &&
    (a.check === undefined) === (b.check === undefined)
  )
}

function fitsCall(d: DepositArgs): boolean {
  return (
    d.input.mailboxId.length === ID_BYTES &&
    (d.check === undefined || d.check.capabilityHash.length === ID_BYTES)
  )
}

/**
 * The writes of a batch that go into one hestia_deposit_batch_checked call: its deposits that share
 * the first deposit's limits and check day (a relay passes the same to every deposit of a batch).
 */
export function depositsTogether<W extends { deposit?: DepositArgs }>(batch: readonly W[]): W[] {
  const first = batch.find((w) => w.deposit !== undefined && fitsCall(w.deposit))?.deposit
  if (first === undefined) return []
  return batch.filter(
    (w) => w.deposit !== undefined && fitsCall(w.deposit) && sameCall(w.deposit, first),
  )
}

/** Ids or hashes of `length` bytes each, back to back. */
function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts)
}

/** One call for all of `deposits` (same limits and check day); the outcomes in the same order. */
export async function depositMany(
  client: pg.PoolClient,
  deposits: readonly DepositArgs[],
): Promise<DepositOutcome[]> {
  const { limits, check } = deposits[0]!
  const r = await client.query({
    ...DEPOSIT_BATCH,
    values: [
      concat(deposits.map((d) => d.input.mailboxId)),
      concat(deposits.map((d) => d.input.sealed)),
      deposits.map((d) => d.input.sealed.length),
      deposits.map((d) => d.input.expiresAt),
      check === undefined ? null : concat(deposits.map((d) => d.check!.capabilityHash)),
      check === undefined ? null : check.aliveSinceDay,
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
