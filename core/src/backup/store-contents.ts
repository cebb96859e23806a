/**
 * Between a store and backup contents. `collectBackupContents` reads everything a backup holds
 * in one store transaction (a consistent snapshot). `restoreBackupContents` writes contents into
 * an empty store in one transaction (all or nothing).
 *
 * The restore is the raw building block: it writes the identity record as it was, device keys
 * included. The messenger's import (issue 17, next step) re-keys this device under the restored
 * identity (new device key and certificate, no sessions) so the old device and the restored one
 * are never the same device.
 */
import { STORE_LIMITS } from '../store/store.ts'
import type { MessengerStore, StoreOperations } from '../store/store.ts'
import { DEVICE_OWNER_SELF } from '../store/records.ts'
import type { DeviceRecord, MessageRecord } from '../store/records.ts'
import { BACKUP_CONTENTS_VERSION, checkBackupContents } from './contents.ts'
import type { BackupContents } from './contents.ts'

/** A backup was asked of a store with no identity, or a restore into one that has an identity. */
export class BackupStoreError extends Error {
  override readonly name = 'BackupStoreError'
}

/** Every message of a conversation, oldest first (pages of the store's maximum size). */
async function wholeHistory(tx: StoreOperations, conversationId: string): Promise<MessageRecord[]> {
  const pages: MessageRecord[][] = []
  let before: MessageRecord | undefined
  for (;;) {
    const page = await tx.pageMessages(conversationId, {
      before:
        before === undefined
          ? null
          : { receivedAt: before.receivedAt, messageId: before.messageId },
      limit: STORE_LIMITS.pageMaxMessages,
    })
    if (page.length === 0) break
    pages.push(page)
    before = page[page.length - 1]
  }
  return pages.flat().reverse()
}

export async function collectBackupContents(
  store: MessengerStore,
  createdAt: number,
): Promise<BackupContents> {
  return store.transaction(async (tx) => {
    const identity = await tx.getIdentity()
    if (identity === undefined)
      throw new BackupStoreError('There is nothing to back up yet: no identity on this device.')
    const contacts = await tx.listContacts()
    const devices: DeviceRecord[] = await tx.listDevices(DEVICE_OWNER_SELF)
    for (const contact of contacts) devices.push(...(await tx.listDevices(contact.contactId)))
    const conversations = await tx.listConversations(STORE_LIMITS.conversationsMax)
    const messages: MessageRecord[] = []
    for (const conversation of conversations)
      messages.push(...(await wholeHistory(tx, conversation.conversationId)))
    const contents: BackupContents = {
      contentsVersion: BACKUP_CONTENTS_VERSION,
      createdAt,
      identity,
      devices,
      contacts,
      conversations,
      messages,
      settings: (await tx.getSettings()) ?? null,
    }
    checkBackupContents(contents)
    return contents
  })
}

export async function restoreBackupContents(
  store: MessengerStore,
  contents: BackupContents,
): Promise<void> {
  checkBackupContents(contents)
  await store.transaction(async (tx) => {
    if ((await tx.getIdentity()) !== undefined)
      throw new BackupStoreError(
        'This device already has an identity: erase it before restoring a backup.',
      )
    await tx.putIdentity(contents.identity)
    for (const contact of contents.contacts) await tx.putContact(contact)
    for (const device of contents.devices) await tx.putDevice(device)
    for (const conversation of contents.conversations) await tx.putConversation(conversation)
    for (let i = 0; i < contents.messages.length; i += STORE_LIMITS.batchMaxMessages)
      await tx.addMessages(contents.messages.slice(i, i + STORE_LIMITS.batchMaxMessages))
    if (contents.settings !== null) await tx.putSettings(contents.settings)
  })
}
