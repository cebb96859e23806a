/**
 * What every messenger module shares: the injected platform (store, libp2p node, clock, randomness,
 * notifier), our keys, the event fan-out and per-contact locks.
 */
import type { ClientEvent } from '../client/api.ts'
import type { DeviceCertificate, IdentityKeyPair } from '../crypto/identity.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import type { LocalDevice } from '../crypto/pqxdh.ts'
import type { IdentityRecord } from '../store/records.ts'
import type { MessengerStore, StoreOperations } from '../store/store.ts'
import type { MessengerNet } from './net.ts'
import { decodeSecrets, encodeSecrets, type LocalSecrets } from './secrets.ts'

/**
 * Shows a system notification. `title` is "New message", or "New message from <name>" only when the
 * user turned names on; never any message text (issue 5, the seed's push-notification rule).
 */
export type MessengerNotifier = (notification: { title: string; conversationId: string }) => void

/** Our identity as loaded from the store, with decoded secrets. */
export interface LocalIdentity {
  displayName: string
  identity: IdentityKeyPair
  device: LocalDevice
  cert: DeviceCertificate
  deviceId: string
  /**
   * A linked companion (ADR 0762): `identity.secretKey` is empty, so nothing may be signed with
   * the identity key here (invites, device lists, new prekeys); those paths refuse first.
   */
  companion?: boolean
}

export interface MessengerContext {
  store: MessengerStore
  net: MessengerNet
  platform: CryptoPlatform
  notifier: MessengerNotifier
  local: LocalIdentity
  /** Current secrets (a copy is kept in memory; writes go through saveSecrets inside a tx). */
  secrets: LocalSecrets
  emit(event: ClientEvent): void
  locks: KeyedMutex
  log(message: string, err?: unknown): void
}

/** Serialises async work per key (a contact's session must not be used by two tasks at once). */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>()

  /** Whether work under `key` runs or waits now (it may read before a later write, ADR 0441). */
  held(key: string): boolean {
    return this.#tails.has(key)
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    const result = previous.then(work, work)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }
}

/**
 * Re-reads our secrets from the store after a transaction changed them, so the in-memory copy is
 * never older than the newest commit (two writers may finish in either order).
 */
export async function reloadSecrets(ctx: MessengerContext): Promise<void> {
  const identity = await ctx.store.getIdentity()
  if (identity !== undefined) ctx.secrets = decodeSecrets(identity.secretKeys)
}

/**
 * What a SecretsChange returns to write nothing. A sentinel, not `false`: `(s) => (s.flag = false)`
 * returns the assigned value and must be written (review 11 F8).
 */
export const WRITE_NOTHING: unique symbol = Symbol(
  'write nothing: the stored secrets stay as they are',
)

/**
 * Edits our secrets as stored: `change` gets them decoded (and the identity row, whose other fields
 * it may set too); they are written back unless it returns WRITE_NOTHING. Gives what
 * `change` gave (WRITE_NOTHING included). No identity row: throws, or with `missing` 'skip' writes nothing and gives
 * undefined. One transaction, then the in-memory copy is reloaded (also when nothing was written).
 */
export async function changeSecrets<T>(ctx: MessengerContext, change: SecretsChange<T>): Promise<T>
export async function changeSecrets<T>(
  ctx: MessengerContext,
  change: SecretsChange<T>,
  missing: 'skip',
): Promise<T | undefined>
export async function changeSecrets<T>(
  ctx: MessengerContext,
  change: SecretsChange<T>,
  missing: 'throw' | 'skip' = 'throw',
): Promise<T | undefined> {
  const result = await ctx.store.transaction((tx) => changeSecretsIn(tx, change, missing))
  await reloadSecrets(ctx)
  return result
}

/**
 * changeSecrets inside the caller's transaction `tx`, with the rest of its work; the caller
 * reloads the in-memory copy (reloadSecrets) once the transaction is committed.
 */
export async function changeSecretsIn<T>(tx: StoreOperations, change: SecretsChange<T>): Promise<T>
export async function changeSecretsIn<T>(
  tx: StoreOperations,
  change: SecretsChange<T>,
  missing: 'throw' | 'skip',
): Promise<T | undefined>
export async function changeSecretsIn<T>(
  tx: StoreOperations,
  change: SecretsChange<T>,
  missing: 'throw' | 'skip' = 'throw',
): Promise<T | undefined> {
  const identity = await tx.getIdentity()
  if (identity === undefined) {
    if (missing === 'skip') return undefined
    throw new Error('no identity')
  }
  const row = { ...identity }
  const s = decodeSecrets(identity.secretKeys)
  const result = change(s, row)
  if (result !== WRITE_NOTHING) await tx.putIdentity({ ...row, secretKeys: encodeSecrets(s) })
  return result
}

/** Edits decoded secrets (and may set other fields of the identity row); WRITE_NOTHING to write nothing. */
export type SecretsChange<T> = (secrets: LocalSecrets, row: IdentityRecord) => T

/** 16 random bytes as base64url: message, contact and conversation ids. */
export function randomId(platform: CryptoPlatform): Uint8Array {
  return platform.random(16)
}
