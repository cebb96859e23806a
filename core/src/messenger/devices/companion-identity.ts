/**
 * A linked install becomes a companion (ADR 0762): what the link grant gave it is stored like an
 * identity, in one store transaction — the identity record (the identity's public key, this
 * device's certificate and the list naming it; secrets without the identity key: its own device
 * key, libp2p key, a fresh mailbox root and the two prekeys the primary signed), our other devices
 * (owner 'self'), and the address book of the grant as contacts with their verification and block
 * state and the primary's deposit route. The store seals it at rest like any identity (ADR 0520).
 * From then on the service starts it as a messenger under its own device key.
 */
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { ClientApiError } from '../../client/api.ts'
import { toBase64Url } from '../../crypto/bytes.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import { DEVICE_OWNER_SELF, type ContactRecord, type IdentityRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { displayNameOr } from '../../text/clean.ts'
import { randomId } from '../context.ts'
import { deviceIdOf } from '../net.ts'
import { decodeOutbound } from '../records.ts'
import { encodeSecrets, SECRETS_VERSION, type LocalSecrets } from '../secrets.ts'
import { companionPrekeySecrets, type CompanionKeys } from './companion.ts'
import type { AcceptedGrant } from './link-grant.ts'
import { COMPANION_PREKEY_IDS } from './link-grant.ts'
import { planDeviceStore } from './store-plan.ts'
import { DEVICE_ROLE } from './limits.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { decodeSyncBook, type SyncBook, type SyncedContactFields } from './sync.ts'

/** What a completed link leaves on the new install, before anything is stored. */
export interface LinkedInstall {
  keys: CompanionKeys
  libp2pKey: PrivateKey
  accepted: AcceptedGrant
  /** The grant's raw fields this install took (the prekeys as the primary signed them). */
  grant: Parameters<typeof companionPrekeySecrets>[1]
}

/** How a companion is named in its Hellos when the primary sent no name. */
export const COMPANION_FALLBACK_NAME = 'Me'

export function companionIdentity(
  platform: CryptoPlatform,
  linked: LinkedInstall,
): { record: IdentityRecord; secrets: LocalSecrets } {
  const { accepted, keys } = linked
  const book = readSyncBook(accepted)
  const secrets: LocalSecrets = {
    version: SECRETS_VERSION,
    identitySecret: new Uint8Array(0),
    companion: true,
    device: keys.device,
    libp2pKey: privateKeyToProtobuf(linked.libp2pKey),
    mailboxRoot: platform.random(32),
    prekeys: companionPrekeySecrets(keys, linked.grant),
    nextPrekeyId: Math.max(COMPANION_PREKEY_IDS.signed, COMPANION_PREKEY_IDS.pq) + 1,
    invites: [],
    ...(book.own === undefined
      ? {}
      : { ownLinks: [{ ...book.own, deviceId: primaryOf(accepted) }] }),
  }
  const record: IdentityRecord = {
    displayName: displayNameOr(book.ownerName, COMPANION_FALLBACK_NAME),
    identityPublicKey: accepted.identityKey,
    secretKeys: encodeSecrets(secrets),
    deviceId: deviceIdOf(accepted.cert.peerId),
    deviceCertificate: accepted.cert.bytes,
    createdAt: platform.clock(),
    deviceList: accepted.list.bytes,
  }
  return { record, secrets }
}

/** The PeerId string of the list's primary (the other end of our own-device link). */
function primaryOf(accepted: AcceptedGrant): string {
  const primary = accepted.list.devices.find((d) => d.role === DEVICE_ROLE.primary)
  if (primary === undefined)
    throw new ProtocolError('malformed', 'link grant: a list without primary')
  return deviceIdOf(primary.peerId)
}

/**
 * The grant's address book (a grant may carry none). Throws ProtocolError on a malformed one: the
 * new install checks it before it takes the grant (new-device-links.ts).
 */
export function readSyncBook(accepted: AcceptedGrant): SyncBook {
  return accepted.sync.length > 0 ? decodeSyncBook(accepted.sync) : { ownerName: '', contacts: [] }
}

/**
 * Stores the companion: identity, our other devices and the synced contacts, all or nothing.
 * Refused when an identity exists meanwhile (another tab created one).
 */
export async function storeCompanion(
  tx: StoreOperations,
  platform: CryptoPlatform,
  linked: LinkedInstall,
): Promise<IdentityRecord> {
  if ((await tx.getIdentity()) !== undefined)
    throw new ClientApiError('identity_exists', 'this install already has an identity')
  const { record } = companionIdentity(platform, linked)
  await tx.putIdentity(record)
  const plan = planDeviceStore({
    owner: DEVICE_OWNER_SELF,
    list: linked.accepted.list,
    devices: [],
    sessions: [],
    thisDeviceId: record.deviceId,
  })
  for (const d of plan.putDevices) await tx.putDevice(d)
  for (const c of readSyncBook(linked.accepted).contacts)
    await putSyncedContact(tx, platform, c, record.createdAt)
  return record
}

/** One synced contact and its conversation (a new contact of this companion). */
export async function putSyncedContact(
  tx: StoreOperations,
  platform: CryptoPlatform,
  c: SyncedContactFields,
  now: number,
): Promise<ContactRecord> {
  const route = c.route === undefined ? null : decodeOutbound(c.route)
  const contact: ContactRecord = {
    contactId: toBase64Url(randomId(platform)),
    displayName: c.displayName,
    identityPublicKey: c.identityKey,
    identityKeyId: toBase64Url(c.identityKey),
    verified: c.verified,
    blocked: c.blocked,
    keyChange: null,
    relays: route === null ? [] : [...route.relays],
    // Our own mailbox for this contact is opened with our first Hello to it (its own session).
    inboundMailboxId: null,
    outboundMailbox: c.route ?? null,
    // What the primary sent is what our devices agree on (ADR 0785): stamp 0, the lowest.
    ownSync: {
      stamp: 0,
      displayName: c.displayName,
      verified: c.verified,
      blocked: c.blocked,
      routeStamp: 0,
      route: null,
    },
    addedAt: now,
    updatedAt: now,
  }
  await tx.putContact(contact)
  await tx.putConversation({
    conversationId: toBase64Url(randomId(platform)),
    contactId: contact.contactId,
    lastMessageId: null,
    lastActivityAt: now,
    unreadCount: 0,
  })
  return contact
}
