/**
 * Restoring a backup on a fresh install (issue 17, ADR 0524): the same identity on a new device.
 *
 * The backup's identity record is the old device's: its device key, libp2p key (PeerId), mailbox
 * root and prekeys. Reusing them would make two devices that are one device to every contact,
 * fetching the same mailboxes and answering the same direct dials. So the restore keeps the
 * identity secret (same identity key, same safety number) and makes everything else new: device
 * key, PeerId and certificate, prekeys, mailbox root. Contacts' mailbox ids derive from the old
 * root, so they are cleared here and re-opened when the new sessions start (restore-followup.ts);
 * the old root and the old mailbox ids are kept in `secrets.restoredFrom` only to leave the old
 * device its notice (device-replaced.ts).
 */
import { bytesEqual } from '../crypto/bytes.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import type { BackupContents } from '../backup/contents.ts'
import { BackupError } from '../backup/errors.ts'
import type { ContactRecord, MessageRecord } from '../store/records.ts'
import { createLocalIdentity } from './identity.ts'
import { decodeSecrets, encodeSecrets, type LocalSecrets } from './secrets.ts'

/** The contents to write on this device: same identity and history, a new device under it. */
export async function restoredContents(
  contents: BackupContents,
  platform: CryptoPlatform,
): Promise<BackupContents> {
  let old: LocalSecrets
  try {
    old = decodeSecrets(contents.identity.secretKeys)
  } catch (err) {
    throw new BackupError('damaged', 'the identity secrets do not read', { cause: err })
  }
  const { record, secrets } = await createLocalIdentity(
    platform,
    contents.identity.displayName,
    old.identitySecret,
  )
  if (!bytesEqual(record.identityPublicKey, contents.identity.identityPublicKey))
    throw new BackupError('damaged', 'the identity secret does not match its public key')
  secrets.restoredFrom = {
    deviceId: contents.identity.deviceId,
    mailboxRoot: old.mailboxRoot,
    mailboxIds: contents.contacts.flatMap((c) => [
      ...(c.inboundMailboxId === null ? [] : [c.inboundMailboxId]),
      ...(c.retiringMailboxes ?? []).map((r) => r.mailboxId),
    ]),
    relay: contents.settings?.relays[0] ?? null,
    restoredAt: platform.clock(),
    hellosQueued: false,
    noticeDelivered: false,
  }
  return {
    ...contents,
    identity: {
      ...record,
      secretKeys: encodeSecrets(secrets),
      // The identity is as old as it was; only the device is new.
      createdAt: contents.identity.createdAt,
    },
    contacts: contents.contacts.map(withoutOldMailboxes(platform.clock())),
    messages: contents.messages.map(unsentAsFailed),
  }
}

/**
 * The old device's mailboxes (current and retiring, ADR 0755) have keys from its root, not ours:
 * forgotten here; a fresh one is opened when the session restarts, and its rotation clock starts now.
 */
function withoutOldMailboxes(now: number): (c: ContactRecord) => ContactRecord {
  return ({ retiringMailboxes: _old, ...c }) => ({
    ...c,
    inboundMailboxId: null,
    mailboxSince: now,
  })
}

/**
 * An outgoing message still queued when the backup was made: its outbox row is not in the backup
 * (ADR 0524), so it is shown failed and the user can retry it.
 */
function unsentAsFailed(m: MessageRecord): MessageRecord {
  if (m.direction !== 'out' || m.delivery !== 'queued') return m
  return {
    ...m,
    delivery: 'failed',
    failure: { code: 'peer_unreachable', message: 'not sent before the backup was made' },
  }
}
