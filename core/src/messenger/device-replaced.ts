/**
 * "This identity was restored on another device" (issue 17, ADR 0524): the signed notice a restored
 * device leaves in the mailboxes of the device it replaced, and what that old device does with it.
 *
 * A restore re-keys: the new device has its own device key, PeerId and mailbox root, so contacts
 * start new sessions with it and drop the old device's (the Hello names it, `replacesDevice`). The
 * old device, if it still runs, would otherwise keep sending into sessions nobody reads: a silent
 * split. The backup holds the old mailbox root, so the restored device can derive the old
 * mailboxes' deposit keys and leave this notice there; the old device verifies it against its own
 * identity key (only a holder of the identity secret can sign it; a contact, who knows the
 * mailbox's deposit capability, cannot) and marks itself replaced: the UI says so and sending stops.
 *
 * Frame: 0xFF "HESTIA-REPLACED" || CBOR { body: bytes, signature: bytes }, body = CBOR { v: 1,
 * identityKey, replacedDeviceId, newDeviceCertificate, at }, signature = Ed25519(identity secret,
 * domainSeparated("hestia/v1/device-replaced", body)). 0xFF cannot start a protobuf message (field
 * 31 with wire type 7 does not exist), so no session frame is ever taken for a notice.
 */
import { decode, encode } from 'cborg'
import { bytesEqual } from '../crypto/bytes.ts'
import { verifyDeviceCert } from '../crypto/identity.ts'
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../crypto/primitives.ts'
import type { MessengerStore } from '../store/store.ts'
import { ProtocolError } from '../wire/errors.ts'
import { domainSeparated } from '../wire/labels.ts'
import { changeSecretsIn, WRITE_NOTHING, reloadSecrets, type MessengerContext } from './context.ts'
import { identityStatus } from './handlers/identity.ts'
import type { FrameOutcome } from './inbox.ts'
import { deviceIdOf } from './net.ts'

export const DEVICE_REPLACED_LABEL = 'hestia/v1/device-replaced'
const MAGIC = Uint8Array.from([0xff, ...new TextEncoder().encode('HESTIA-REPLACED')])
export const NOTICE_MAX_BYTES = 4096

interface NoticeBody {
  v: 1
  identityKey: Uint8Array
  replacedDeviceId: string
  newDeviceCertificate: Uint8Array
  at: number
}

export interface Replacement {
  at: number
  byDeviceId: string
}

export function isReplacementNotice(frame: Uint8Array): boolean {
  return frame.length > MAGIC.length && MAGIC.every((b, i) => frame[i] === b)
}

/** Signed by the identity secret; names the device replaced and carries the new one's certificate. */
export function makeReplacementNotice(
  identitySecret: Uint8Array,
  replacedDeviceId: string,
  newDeviceCertificate: Uint8Array,
  at: number,
): Uint8Array {
  const fields: NoticeBody = {
    v: 1,
    identityKey: ed25519PublicKey(identitySecret),
    replacedDeviceId,
    newDeviceCertificate,
    at,
  }
  const body = encode(fields)
  const signature = ed25519Sign(identitySecret, domainSeparated(DEVICE_REPLACED_LABEL, body))
  const signed = encode({ body, signature })
  const out = new Uint8Array(MAGIC.length + signed.length)
  out.set(MAGIC, 0)
  out.set(signed, MAGIC.length)
  return out
}

function field<T>(value: unknown, check: (v: unknown) => v is T, what: string): T {
  if (!check(value)) throw new ProtocolError('malformed', `replacement notice: bad ${what}`)
  return value
}
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
const isString = (v: unknown): v is string => typeof v === 'string'
const isTime = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/**
 * Checks a notice addressed to this device: signed by our own identity key, naming our device id,
 * with a valid certificate of our identity for another device. Throws ProtocolError otherwise.
 */
export function openReplacementNotice(
  frame: Uint8Array,
  own: { identityPublicKey: Uint8Array; deviceId: string },
  now: number,
): Replacement {
  if (frame.length > NOTICE_MAX_BYTES) throw new ProtocolError('oversize', 'replacement notice')
  let outer: unknown, inner: unknown
  try {
    outer = decode(frame.subarray(MAGIC.length))
  } catch (err) {
    throw new ProtocolError('malformed', 'replacement notice: not CBOR', { cause: err })
  }
  const o = (outer ?? {}) as Record<string, unknown>
  const body = field(o.body, isBytes, 'body')
  const signature = field(o.signature, isBytes, 'signature')
  if (
    !ed25519Verify(own.identityPublicKey, domainSeparated(DEVICE_REPLACED_LABEL, body), signature)
  )
    throw new ProtocolError('bad_signature', 'replacement notice: not signed by our identity')
  try {
    inner = decode(body)
  } catch (err) {
    throw new ProtocolError('malformed', 'replacement notice body: not CBOR', { cause: err })
  }
  const b = (inner ?? {}) as Record<string, unknown>
  if (b.v !== 1) throw new ProtocolError('unsupported_version', 'replacement notice')
  const identityKey = field(b.identityKey, isBytes, 'identityKey')
  if (!bytesEqual(identityKey, own.identityPublicKey))
    throw new ProtocolError('wrong_key', 'replacement notice: another identity')
  if (field(b.replacedDeviceId, isString, 'replacedDeviceId') !== own.deviceId)
    throw new ProtocolError('malformed', 'replacement notice: names another device')
  const cert = verifyDeviceCert(field(b.newDeviceCertificate, isBytes, 'certificate'), {
    now,
    identityKey: own.identityPublicKey,
  })
  const byDeviceId = deviceIdOf(cert.peerId)
  if (byDeviceId === own.deviceId)
    throw new ProtocolError('malformed', 'replacement notice: a device cannot replace itself')
  return { at: field(b.at, isTime, 'at'), byDeviceId }
}

/** Records the replacement in our secrets (once); false when it was known already. */
export async function markReplaced(
  store: MessengerStore,
  replacement: Replacement,
): Promise<boolean> {
  const marked = await store.transaction((tx) =>
    changeSecretsIn(
      tx,
      (secrets) => {
        if (secrets.replaced !== undefined) return WRITE_NOTHING
        secrets.replaced = replacement
        return true
      },
      'skip',
    ),
  )
  return marked === true
}

/**
 * A notice from one of our mailboxes: checked, recorded, and every page told (identity.changed
 * carries `replaced`). A notice that does not check throws ProtocolError: the mailbox drops it.
 */
export async function acceptReplacementNotice(
  ctx: MessengerContext,
  frame: Uint8Array,
): Promise<FrameOutcome> {
  const replacement = openReplacementNotice(
    frame,
    { identityPublicKey: ctx.local.identity.publicKey, deviceId: ctx.local.deviceId },
    ctx.platform.clock(),
  )
  if (!(await markReplaced(ctx.store, replacement))) return 'duplicate'
  await reloadSecrets(ctx)
  ctx.emit({ type: 'identity.changed', identity: await identityStatus(ctx.store) })
  return 'stored'
}
