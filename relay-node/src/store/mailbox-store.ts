/**
 * Storage behind the mailbox service. SQLite (sqlite-store.ts) is the embedded default; PostgreSQL
 * (postgres-store.ts) lets several relay instances share one store (docs/adr/0201-relay-storage.md,
 * 0230). Every write resolves only after it is durably committed. Both pass the same compliance
 * suite (relay-node/test-support/mailbox-store-compliance.ts).
 *
 * What a backend may keep is fixed by docs/relay/PRIVACY.md (ADRs 0208, 0209): message ids are
 * per-mailbox sequence numbers and nothing else records a global order (no row ids, no insertion
 * timestamps); nonces are kept only as `nonceKey()` hashes with a coarse bucket (nonce-key.ts).
 * A write that fails because the disk is full rejects with MailboxError('storage_full') and stores
 * nothing of that write (ADR 0210).
 */

export interface MailboxRecord {
  id: Uint8Array
  authKey: Uint8Array
  capabilityHash: Uint8Array
  /** Day-rounded time of the last authorised access (fetch, subscribe, ack, publish). */
  lastSeenDay: number
  messageCount: number
  byteCount: number
}

export interface StoredRow {
  id: bigint
  sealed: Uint8Array
  expiresAt: number
}

export interface DepositInput {
  mailboxId: Uint8Array
  sealed: Uint8Array
  expiresAt: number
}

export interface QuotaLimits {
  maxMessagesPerMailbox: number
  maxBytesPerMailbox: number
  maxTotalBytes: number
}

/**
 * What the relay checks before a deposit is stored, done by the store with the write (one round
 * trip on a shared store, ADR 0240), in this order after the mailbox's existence: the capability,
 * then the idle expiry; the quotas after.
 */
export interface DepositCheck {
  /** `capabilityHash()` of the depositor's capability: anything else is 'bad_capability'. */
  capabilityHash: Uint8Array
  /** A mailbox last seen before this day has expired after a long silence: 'mailbox_expired'. */
  aliveSinceDay: number
  /**
   * Compare-and-append (group mailboxes, ADR 0132): stored only if this is the id the deposit
   * would get, else 'sequence_moved' with the id the next deposit will get. Checked after the
   * idle expiry, before the quotas.
   */
  expectedId?: bigint
}

export type DepositOutcome =
  | { ok: true; id: bigint }
  | { ok: false; reason: 'sequence_moved'; nextId: bigint }
  | {
      ok: false
      reason:
        'unknown_mailbox' | 'bad_capability' | 'mailbox_expired' | 'mailbox_full' | 'relay_full'
    }

/** 'relay_full': the store already holds `maxMailboxes` mailboxes (nothing was created). */
export type CreateOutcome = 'created' | 'exists_same' | 'exists_other' | 'relay_full'

export interface StoreStats {
  mailboxes: number
  messages: number
  bytes: number
  oneTimePrekeys: number
}

export interface SweepResult {
  messages: number
  nonces: number
  mailboxes: number
  /** Another instance sharing the store was sweeping; this one did nothing this round. */
  skipped?: true
}

/** A committed deposit: its mailbox and its per-mailbox id. */
export type DepositListener = (mailboxId: Uint8Array, id: bigint) => void

/** What a store several instances share announces (MailboxStore.watchDeposits). */
export interface StoreEvents {
  deposit: DepositListener
  closed?: (mailboxId: Uint8Array) => void
  gap?: () => void
}

export interface MailboxStore {
  /**
   * Creates the mailbox unless it exists or the store already holds `maxMailboxes` (counted in the
   * same transaction: across every instance sharing the store, ADR 0232).
   */
  createMailbox(rec: {
    id: Uint8Array
    authKey: Uint8Array
    capabilityHash: Uint8Array
    nowDay: number
    maxMailboxes?: number
  }): Promise<CreateOutcome>
  getMailbox(id: Uint8Array): Promise<MailboxRecord | undefined>
  /**
   * Commits the deposit (`check`, when given, and the quotas checked in the same transaction)
   * before resolving; a refused deposit changes nothing.
   */
  deposit(input: DepositInput, limits: QuotaLimits, check?: DepositCheck): Promise<DepositOutcome>
  /**
   * Oldest first (by the mailbox's own sequence), skipping rows that expired at or before `now`;
   * `maxBytes` bounds the sealed bytes returned; only ids above `afterId` (a reader's cursor,
   * ADR 0132; default 0).
   */
  fetch(
    mailboxId: Uint8Array,
    now: number,
    limit: number,
    maxBytes: number,
    afterId?: bigint,
  ): Promise<{ rows: StoredRow[]; more: boolean }>
  /** One stored message by its id (expired or not), for pushing it to a live subscriber. */
  getMessage(mailboxId: Uint8Array, id: bigint): Promise<StoredRow | undefined>
  ack(mailboxId: Uint8Array, ids: readonly bigint[]): Promise<number>
  /**
   * Records a signed request's nonce and refreshes the mailbox's last-seen day. Resolves false (and
   * changes nothing) if the nonce was used before for this mailbox. Only `nonceKey(mailboxId,
   * nonce)` and `nonceBucket(keepUntilMs)` are stored; `keepUntilMs` comes from the relay's clock.
   */
  useNonce(
    mailboxId: Uint8Array,
    nonce: Uint8Array,
    keepUntilMs: number,
    nowDay: number,
  ): Promise<boolean>
  publishPrekeys(
    mailboxId: Uint8Array,
    bundle: Uint8Array,
    oneTimePrekeys: readonly Uint8Array[],
    maxStored: number,
  ): Promise<number>
  /** The bundle plus one one-time prekey, deleted in the same transaction so no one gets it twice. */
  takePrekey(
    mailboxId: Uint8Array,
  ): Promise<{ bundle: Uint8Array; oneTimePrekey?: Uint8Array; left: number } | undefined>
  purgeMailbox(id: Uint8Array): Promise<boolean>
  /**
   * Deletes messages that expired at or before `now`, nonces whose bucket ended by then, and
   * mailboxes last seen before `idleBeforeDay` (the caller subtracts its clock-jump grace).
   */
  sweep(now: number, idleBeforeDay: number): Promise<SweepResult>
  stats(): Promise<StoreStats>
  /**
   * Only on stores several relay instances share: calls `listener` for every deposit any instance
   * commits, in commit order (sequence order within a mailbox). The mailbox service then pushes to
   * its live subscribers from here, and only from here, so each deposit reaches each subscriber
   * once whichever instance took it. `closed` is called when a mailbox was deleted (closed by its
   * owner, purged, swept) on any instance, so every instance ends its subscriptions (ADR 0211).
   * `gap` is called when the feed was interrupted (the database connection was lost) and works
   * again: events in between were not announced. Resolves with a function that stops the calls.
   */
  watchDeposits?(events: StoreEvents): Promise<() => void>
  close(): Promise<void>
}
