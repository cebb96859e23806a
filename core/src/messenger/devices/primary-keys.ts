/**
 * The primary's own keys renewed while it runs (issue 19, ADR 0786). Until now `maintainKeys`
 * ran only before a node start, so a primary left running for more than 30 days kept handing out
 * prekeys that were about to expire (invites, its Hellos' bundles, its entry in our device list).
 *
 * Each keeper pass compares numbers only (our certificate's and newest prekeys' expiry against
 * RENEW_BEFORE_MS, as a companion does in refresh-link.ts); when due, `maintainKeys` renews them
 * in one transaction and the running messenger takes the new certificate at once. Then, and once
 * at the first pass of a run (a renewal at start never reached the list), the list we published,
 * if any, is checked: when our own entry carries an older bundle than the one we now hand out, a
 * new list with our current bundle goes to every contact and companion, so a first message to
 * this device finds prekeys that are still valid.
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import { verifyDeviceCert } from '../../crypto/identity.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { reloadSecrets, type MessengerContext } from '../context.ts'
import { prekeyBundle } from '../identity.ts'
import { maintainKeys, RENEW_BEFORE_MS } from '../key-maintenance.ts'
import { issueDeviceList, verifyDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { DEVICE_ROLE } from './limits.ts'
import { entryOf } from './link-grant.ts'
import { devicesView, forgetUnsavedList, publishOwnList } from './own-devices.ts'
import { answerRefresh, keysExpireAt } from './refresh-link.ts'

/**
 * The lock (ctx.locks) under which the channel reads, builds and publishes our list, so our own
 * renewal, a companion's (refresh-link.ts) and the user's changes (manage.ts: rename, remove, log
 * out others) do not build on the same version: the later one builds on the list the earlier one
 * published instead of failing 'a newer device list was published meanwhile'.
 */
export const OWN_LIST_LOCK = 'own-device-list'

/** Runs `work` (read our list, build on it, publish) under OWN_LIST_LOCK. */
export function underOwnListLock<T>(ctx: MessengerContext, work: () => Promise<T>): Promise<T> {
  return ctx.locks.run(OWN_LIST_LOCK, work)
}

/**
 * Takes OWN_LIST_LOCK and keeps it until the returned release is called: a device link reads our
 * list when it builds the grant and holds the lock until the list naming the new device is
 * published (or the link failed), which spans the new device's answer (primary-links.ts).
 */
export function holdOwnListLock(ctx: MessengerContext): Promise<() => void> {
  return new Promise((got, fail) => {
    underOwnListLock(ctx, () => new Promise<void>((done) => got(done))).catch(fail)
  })
}

/** What one running messenger remembers between keeper passes. */
export interface PrimaryKeysState {
  /** Our list entry may carry an older bundle than ours (set at start and after a renewal). */
  listToCheck: boolean
}

/**
 * Renews our keys when due (primary only); when the list we hold names us with an older bundle,
 * publishes one with our current bundle (stored, queued to every contact, shown) and returns it.
 */
export function renewPrimaryKeys(
  ctx: MessengerContext,
  state: PrimaryKeysState,
  retryOutbox: () => Promise<void> | undefined,
): Promise<VerifiedDeviceList | null> {
  if (ctx.local.companion === true) return Promise.resolve(null)
  return ctx.locks.run(OWN_LIST_LOCK, () => renewLocked(ctx, state, retryOutbox))
}

/**
 * Primary: a companion's refresh request answered (refresh-link.ts) and the new list published,
 * under the same lock as our own renewal.
 */
export function answerAndPublish(
  ctx: MessengerContext,
  senderId: string,
  body: Uint8Array,
): ReturnType<typeof answerRefresh> {
  return ctx.locks.run(OWN_LIST_LOCK, async () => {
    const answer = await answerRefresh(ctx, senderId, body)
    // The same request again is answered with what is published already (refresh-link.ts).
    if (!answer.again) await publishOwnList(ctx, answer.list)
    return answer
  })
}

async function renewLocked(
  ctx: MessengerContext,
  state: PrimaryKeysState,
  retryOutbox: () => Promise<void> | undefined,
): Promise<VerifiedDeviceList | null> {
  const now = ctx.platform.clock()
  if (keysExpireAt(ctx) - now < RENEW_BEFORE_MS && (await renewNow(ctx))) state.listToCheck = true
  if (!state.listToCheck) return null
  const list = await listWithOurBundle(ctx)
  if (list !== null) {
    await publishOwnList(ctx, list)
    await retryOutbox()
    ctx.emit({ type: 'devices.changed', devices: await devicesView(ctx, list) })
  }
  state.listToCheck = false
  return list
}

/** maintainKeys on the stored record, in one transaction; the running messenger follows. */
async function renewNow(ctx: MessengerContext): Promise<boolean> {
  const renewed = await ctx.store.transaction(async (tx) => {
    const record = await tx.getIdentity()
    if (record === undefined) return null
    const next = maintainKeys(record, ctx.platform)
    if (next !== null) await tx.putIdentity(next)
    return next
  })
  if (renewed === null) return false
  await reloadSecrets(ctx)
  const cert = verifyDeviceCert(renewed.deviceCertificate, {
    now: ctx.platform.clock(),
    identityKey: ctx.local.identity.publicKey,
  })
  ctx.local.cert = cert
  ctx.local.device = { ...ctx.local.device, cert }
  // A list made on demand (before the first link) would carry the old bundle: made again.
  forgetUnsavedList(ctx)
  ctx.log(`own keys renewed (certificate serial ${cert.serial})`)
  return true
}

/** A new list when our stored one names us, as primary, with another bundle than ours. */
async function listWithOurBundle(ctx: MessengerContext): Promise<VerifiedDeviceList | null> {
  const record = await ctx.store.getIdentity()
  if (record?.deviceList === undefined) return null
  let held: VerifiedDeviceList
  try {
    held = verifyDeviceList(record.deviceList, { identityKey: ctx.local.identity.publicKey })
  } catch (err) {
    if (isProtocolError(err)) return null
    throw err
  }
  const mine = (d: VerifiedDeviceList['devices'][number]) =>
    d.role === DEVICE_ROLE.primary && bytesEqual(d.deviceKey, ctx.local.cert.deviceKey)
  const me = held.devices.find(mine)
  const bundle = prekeyBundle(ctx.local, ctx.secrets)
  if (me === undefined || bytesEqual(me.bundle, bundle)) return null
  return issueDeviceList(ctx.local.identity, {
    previousVersion: held.listVersion,
    now: ctx.platform.clock(),
    devices: held.devices.map((d) => (mine(d) ? { ...entryOf(d), bundle } : entryOf(d))),
  })
}
