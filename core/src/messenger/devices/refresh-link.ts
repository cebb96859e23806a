/**
 * A companion's keys renewed while it runs (issue 19, ADR 0786; the signing is refresh.ts). Each
 * keeper pass a companion checks, by numbers only, whether its certificate or newest prekeys
 * expire within RENEW_BEFORE_MS; then it makes fresh prekeys, keeps their secret halves
 * (`LocalSecrets.pendingRefresh`) and asks the primary over the own-device link (kind 9, a
 * LinkRequest with its own device key and PeerId). The primary signs them with a certificate of
 * serial + 1, publishes the new list — every contact gets it, so first messages find the new
 * prekeys — and answers with the grant (kind 10). The companion checks it like a link grant and
 * stores the certificate, the list and the prekeys; the old prekeys stay until they expire.
 *
 * Bounded: one request per REFRESH_TIMING.askAgainMs while unanswered, and the primary refuses a
 * request while that device's keys are far from expiry (a companion cannot make it re-issue the
 * list at will) — unless the request names exactly the keys already listed for it: then the
 * answer was lost, and the primary answers again.
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import { decodePrekeyBundle, decodePrekeyBody, encodeSigned } from '../../crypto/codecs.ts'
import { PREKEY_KIND, type PrekeySecret } from '../../crypto/prekeys.ts'
import { mlkemKeyPair, x25519KeyPair } from '../../crypto/primitives.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { changeSecrets, type MessengerContext } from '../context.ts'
import { RENEW_BEFORE_MS } from '../key-maintenance.ts'
import { MESSENGER_TIMING } from '../limits.ts'
import { deviceIdOf } from '../net.ts'
import type { LocalSecrets } from '../secrets.ts'
import { verifyDeviceList, type ListedDevice, type VerifiedDeviceList } from './device-list.ts'
import { companionPrekeySecrets } from './companion.ts'
import { DEVICE_ROLE } from './limits.ts'
import {
  decodeLinkGrant,
  decodeLinkRequest,
  encodeLinkGrant,
  encodeLinkRequest,
  type LinkGrantFields,
  type LinkRequestFields,
} from './link-codec.ts'
import { acceptLinkGrant } from './link-grant.ts'
import { currentOwnList, isPrimary } from './own-devices.ts'
import { buildRefreshGrant } from './refresh.ts'

export const REFRESH_TIMING = {
  /** Ask when the certificate or the newest prekeys expire sooner than this. */
  renewBeforeMs: RENEW_BEFORE_MS,
  /** An unanswered request is asked again after this long (the primary may have been offline). */
  askAgainMs: 6 * 3_600_000,
} as const

/** The earliest of our certificate's and newest prekeys' expiry. */
export function keysExpireAt(ctx: MessengerContext): number {
  let newestSigned = 0
  let newestPq = 0
  for (const p of ctx.secrets.prekeys) {
    if (p.kind === PREKEY_KIND.signedX25519) newestSigned = Math.max(newestSigned, p.expiresAt)
    else newestPq = Math.max(newestPq, p.expiresAt)
  }
  return Math.min(ctx.local.cert.expiresAt, newestSigned, newestPq)
}

async function requestOf(
  ctx: MessengerContext,
  pending: NonNullable<LocalSecrets['pendingRefresh']>,
) {
  const list = await currentOwnList(ctx)
  const me = list.devices.find((d) => deviceIdOf(d.peerId) === ctx.local.deviceId)
  return {
    deviceKey: ctx.local.cert.deviceKey,
    peerId: ctx.local.cert.peerId,
    signedPrekey: pending.signedPrekey.publicKey,
    pqPrekey: pending.pqPrekey.publicKey,
    name: me?.name ?? 'Linked device',
  } satisfies LinkRequestFields
}

/**
 * Companion, each keeper pass: the request to send to the primary when our keys are due and no
 * request is waiting (or the last one is old); null otherwise.
 */
export async function refreshRequestIfDue(ctx: MessengerContext): Promise<Uint8Array | null> {
  if (ctx.local.companion !== true) return null
  const now = ctx.platform.clock()
  if (keysExpireAt(ctx) - now >= REFRESH_TIMING.renewBeforeMs) return null
  const waiting = ctx.secrets.pendingRefresh
  if (waiting !== undefined && now - waiting.askedAt < REFRESH_TIMING.askAgainMs) return null
  const pending = waiting ?? {
    signedPrekey: x25519KeyPair(ctx.platform.random),
    pqPrekey: mlkemKeyPair(ctx.platform.random),
    askedAt: now,
  }
  await changeSecrets(ctx, (s) => {
    s.pendingRefresh = { ...pending, askedAt: now }
  })
  return encodeLinkRequest(await requestOf(ctx, pending))
}

/** The expiry of the newest prekey in a listed device's bundle. */
function bundleExpiry(bundle: Uint8Array): number {
  const parts = decodePrekeyBundle(bundle)
  return Math.min(
    ...[parts.signedPrekey, parts.pqPrekey].map((s) => decodePrekeyBody(s.body).expiresAt),
  )
}

/** Whether a listed bundle carries exactly the prekeys of `request`. */
function listsPrekeysOf(bundle: Uint8Array, request: LinkRequestFields): boolean {
  const parts = decodePrekeyBundle(bundle)
  return (
    bytesEqual(decodePrekeyBody(parts.signedPrekey.body).publicKey, request.signedPrekey) &&
    bytesEqual(decodePrekeyBody(parts.pqPrekey.body).publicKey, request.pqPrekey)
  )
}

/**
 * Primary: signs the fresh keys of the companion at the other end of the link `senderId` and
 * returns the new list (to publish) and the grant (to send back). Throws ProtocolError for a
 * sender that is no listed companion, keys not its own, or keys not due yet.
 */
export async function answerRefresh(
  ctx: MessengerContext,
  senderId: string,
  body: Uint8Array,
): Promise<{ list: VerifiedDeviceList; grant: Uint8Array; again: boolean }> {
  const current = await currentOwnList(ctx)
  if (!isPrimary(ctx, current))
    throw new ProtocolError('unknown_key', 'refresh: only the primary signs device keys')
  const device = current.devices.find((d) => deviceIdOf(d.peerId) === senderId)
  const now = ctx.platform.clock()
  const request = decodeLinkRequest(body)
  // A request naming the keys we already listed for it is the same request again: our answer was
  // lost (a failed deposit, a stop in between), or a relay plays the request again. It gets the
  // answer already published (the listed certificate and prekeys, the list held), not refused as
  // not due — else the companion would never get the certificate for the prekeys its contacts now
  // use — and not a new one: new prekey ids for the same keys would leave the companion, which
  // took the first answer, unable to open sessions its contacts start (review 11 F1).
  if (
    device !== undefined &&
    isOwnRequest(device, request) &&
    listsPrekeysOf(device.bundle, request)
  )
    return {
      list: current,
      grant: encodeLinkGrant(listedGrant(device.bundle, current)),
      again: true,
    }
  if (device !== undefined && bundleExpiry(device.bundle) - now >= REFRESH_TIMING.renewBeforeMs)
    throw new ProtocolError('limit_exceeded', 'refresh: that device’s keys are not due yet')
  const { grant, list } = buildRefreshGrant({
    identity: ctx.local.identity,
    currentList: current,
    fromDeviceKey: device?.deviceKey ?? new Uint8Array(0),
    request,
    now,
    certLifetimeMs: MESSENGER_TIMING.deviceCertLifetimeMs,
    prekeyLifetimeMs: MESSENGER_TIMING.prekeyLifetimeMs,
  })
  return { list, grant: encodeLinkGrant(grant), again: false }
}

/** A listed companion asking for its own keys (buildRefreshGrant refuses anything else). */
function isOwnRequest(device: ListedDevice, request: LinkRequestFields): boolean {
  return (
    device.role === DEVICE_ROLE.companion &&
    bytesEqual(request.deviceKey, device.deviceKey) &&
    bytesEqual(request.peerId, device.peerId)
  )
}

/** The grant for the entry `list` holds already: its certificate and prekeys as listed. */
function listedGrant(bundle: Uint8Array, list: VerifiedDeviceList): LinkGrantFields {
  const parts = decodePrekeyBundle(bundle)
  return {
    deviceCert: parts.deviceCert,
    signedPrekey: encodeSigned(parts.signedPrekey),
    pqPrekey: encodeSigned(parts.pqPrekey),
    deviceList: list.bytes,
    sync: new Uint8Array(0),
  }
}

/**
 * Companion: takes the primary's answer — checked like a link grant against the request we made
 * — and stores the new certificate, list and prekeys. Returns the list to record.
 */
export async function takeRefreshGrant(
  ctx: MessengerContext,
  body: Uint8Array,
): Promise<VerifiedDeviceList> {
  const pending = ctx.secrets.pendingRefresh
  if (ctx.local.companion !== true || pending === undefined)
    throw new ProtocolError('replay', 'refresh grant: nothing was asked')
  const grant = decodeLinkGrant(body)
  const request = await requestOf(ctx, pending)
  const accepted = acceptLinkGrant(grant, request, ctx.platform.clock())
  if (accepted.cert.serial <= ctx.local.cert.serial)
    throw new ProtocolError('replay', 'refresh grant: not a newer certificate')
  const list = verifyDeviceList(accepted.list.bytes, { identityKey: ctx.local.identity.publicKey })
  const fresh: PrekeySecret[] = companionPrekeySecrets(
    {
      device: { publicKey: ctx.local.cert.deviceKey, secretKey: ctx.secrets.device.secretKey },
      signedPrekey: pending.signedPrekey,
      pqPrekey: pending.pqPrekey,
      request,
    },
    grant,
  )
  let kept = list
  await changeSecrets(ctx, (s, row) => {
    s.prekeys = [...s.prekeys, ...fresh]
    delete s.pendingRefresh
    row.deviceCertificate = accepted.cert.bytes
    // A newer list may be here already (kind 3 from the primary overtook this answer): kept. Any
    // list newer than the grant's was built on it, so it names our renewed keys too (review 11 F11).
    const held = heldListOf(ctx, row.deviceList)
    if (held !== null && held.listVersion > list.listVersion) kept = held
    else row.deviceList = list.bytes
  })
  // The running messenger signs its bundle with the certificate it holds: the new one from now.
  ctx.local.cert = accepted.cert
  ctx.local.device = { ...ctx.local.device, cert: accepted.cert }
  return kept
}

/** The list of ours `bytes` holds, or null (none, or not one our identity signed). */
function heldListOf(
  ctx: MessengerContext,
  bytes: Uint8Array | undefined,
): VerifiedDeviceList | null {
  if (bytes === undefined) return null
  try {
    return verifyDeviceList(bytes, { identityKey: ctx.local.identity.publicKey })
  } catch {
    return null
  }
}
