/**
 * Every client-API handler, composed by API area into the one `ClientHandlers` table that
 * `createDispatcher` (core/src/client/dispatch.ts) serves. The table's type requires a handler
 * for every request type of api.ts, so a request added to the API without one does not compile.
 *
 * Path of a request: port (serveClientPort validates) → dispatcher (runs the handler, maps what it
 * throws) → the area's handler here → the domain module (messages.ts, contacts.ts, files.ts, …).
 */
import type { ClientHandlers } from '../../client/dispatch.ts'
import type { MessengerParts } from '../messenger.ts'
import { backupHandlers, type BackupOptions } from './backup.ts'
import { refuseWhenReplaced } from './replaced.ts'
import { callHandlers } from './calls.ts'
import { connectivityHandlers } from './connectivity.ts'
import { contactHandlers } from './contacts.ts'
import { devicesHandlers } from './devices.ts'
import { groupsHandlers } from './groups.ts'
import type { NewDeviceLinks } from '../devices/new-device-links.ts'
import { conversationHandlers } from './conversations.ts'
import { identityHandlers, type IdentityParts } from './identity.ts'
import { inviteHandlers } from './invites.ts'
import { messageHandlers } from './messages.ts'
import type { Running } from './running.ts'
import { settingsHandlers } from './settings.ts'
import type { SettingsBeforeIdentity } from '../settings-before-identity.ts'
import { transferHandlers } from './transfers.ts'
import { unprotectedVault, vaultHandlers, type Vault } from './vault.ts'

export function clientHandlers(
  identity: IdentityParts,
  running: Running<MessengerParts>,
  vault: Vault = unprotectedVault,
  backup: BackupOptions = {},
  newDevice: NewDeviceLinks | null = null,
  beforeIdentity: SettingsBeforeIdentity | null = null,
): ClientHandlers {
  return refuseWhenReplaced(() => identity.store(), {
    ...vaultHandlers(vault),
    ...identityHandlers(identity),
    ...backupHandlers(identity, backup),
    ...connectivityHandlers(running),
    ...conversationHandlers(running),
    ...messageHandlers(running),
    ...inviteHandlers(running),
    ...contactHandlers(running),
    ...settingsHandlers(running, beforeIdentity),
    ...transferHandlers(running),
    ...callHandlers(running),
    ...devicesHandlers(running, newDevice),
    ...groupsHandlers(running),
  })
}

export { identityStatus, type IdentityParts } from './identity.ts'
export type { BackupOptions } from './backup.ts'
export type { Running } from './running.ts'
export { gateWhileLocked, unprotectedVault, type Vault } from './vault.ts'
