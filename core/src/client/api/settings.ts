/**
 * The user's settings and their defaults.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import type { RelayAddress } from './scalars.ts'

export interface NotificationSettings {
  enabled: boolean
  /** Show the sender's name in notifications. Off by default: notifications say "New message". */
  showNames: boolean
}

export interface Settings {
  relays: RelayAddress[]
  notifications: NotificationSettings
  /** Send read receipts (and show the contact's). Off by default. */
  readReceipts: boolean
}

export interface SettingsPatch {
  notifications?: Partial<NotificationSettings>
  readReceipts?: boolean
}

/** Default settings of a fresh install: names hidden, read receipts off (issue 5). */
export function defaultSettings(relays: RelayAddress[] = []): Settings {
  return {
    relays: [...relays],
    notifications: { enabled: true, showNames: false },
    readReceipts: false,
  }
}
