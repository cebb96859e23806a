/**
 * Keeps our own keys usable across months of uptime, run by the service before each node start:
 * renews the device certificate (same keys and PeerId, serial + 1: contacts see the same device)
 * and the signed / last-resort prekeys before they expire, drops prekeys and invites long expired.
 */
import { decodeDeviceCert, decodeDeviceCertBody } from '../crypto/codecs.ts'
import { identityFromSecret, issueDeviceCert } from '../crypto/identity.ts'
import { DAY_MS, LIMITS } from '../crypto/limits.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import { PREKEY_KIND, type PrekeyKind } from '../crypto/prekeys.ts'
import type { IdentityRecord } from '../store/records.ts'
import { addPrekey } from './identity.ts'
import { MESSENGER_TIMING } from './limits.ts'
import { decodeSecrets, encodeSecrets, type LocalSecrets } from './secrets.ts'

/** Renew what expires within this window. */
export const RENEW_BEFORE_MS = 30 * DAY_MS
/**
 * Invites are refused 5 minutes after their expiry and their mailboxes closed by the invite keeper
 * (invite-lifecycle.ts, ADR 0732), which then forgets them. This is only the fallback for an invite
 * whose mailbox could not be closed for this long (the relay was gone): forget it anyway.
 */
export const INVITE_GRACE_MS = 14 * DAY_MS

/**
 * Returns the updated identity record, or null when nothing had to change. Old prekeys are kept
 * until no initial frame that names them can still arrive (expiry + the maximum message age).
 */
export function maintainKeys(
  record: IdentityRecord,
  platform: CryptoPlatform,
): IdentityRecord | null {
  const now = platform.clock()
  const secrets = decodeSecrets(record.secretKeys)
  // A companion's certificate and prekeys are signed by the primary (ADR 0762): renewing them
  // needs the primary (not built: they last 400 / 90 days from the link).
  if (secrets.companion === true) return null
  let changed = false
  let certificate = record.deviceCertificate
  const cert = decodeDeviceCertBody(decodeDeviceCert(record.deviceCertificate).body)
  if (cert.expiresAt - now < RENEW_BEFORE_MS) {
    certificate = issueDeviceCert(identityFromSecret(secrets.identitySecret), {
      deviceKey: cert.deviceKey,
      peerId: cert.peerId,
      serial: cert.serial + 1,
      issuedAt: now,
      expiresAt: now + MESSENGER_TIMING.deviceCertLifetimeMs,
    }).bytes
    changed = true
  }
  for (const kind of [PREKEY_KIND.signedX25519, PREKEY_KIND.lastResortMlkem]) {
    if (newestExpiry(secrets, kind) - now < RENEW_BEFORE_MS) {
      addPrekey(secrets, platform, kind)
      changed = true
    }
  }
  // Invites the keeper could not close for INVITE_GRACE_MS after expiry are dropped here.
  const invites = secrets.invites.filter((i) => i.expiresAt + INVITE_GRACE_MS > now)
  const dropped = new Set(
    secrets.invites.filter((i) => !invites.includes(i)).map((i) => i.oneTimePrekeyId),
  )
  const keepUntil = now - LIMITS.maxMessageAgeMs
  const prekeys = secrets.prekeys.filter((p) => p.expiresAt > keepUntil && !dropped.has(p.id))
  if (prekeys.length !== secrets.prekeys.length || invites.length !== secrets.invites.length) {
    secrets.prekeys = prekeys
    secrets.invites = invites
    changed = true
  }
  if (!changed) return null
  return { ...record, deviceCertificate: certificate, secretKeys: encodeSecrets(secrets) }
}

function newestExpiry(secrets: LocalSecrets, kind: PrekeyKind): number {
  let best = 0
  for (const p of secrets.prekeys) if (p.kind === kind && p.expiresAt > best) best = p.expiresAt
  return best
}
