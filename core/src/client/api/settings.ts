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
  /**
   * Delivery receipts wait a random 1–30 s and go out batched, so the relay cannot pair a message
   * with its receipt by time (ADR 0751). On by default; off: each goes out at once.
   */
  delayReceipts: boolean
  /**
   * No direct WebRTC connection with contacts, dialled or accepted: contacts never learn this
   * device's IP address; messages and files go through the relay (slower, file size capped by the
   * relay). Off by default (ADR 0752).
   */
  relayOnly: boolean
}

export interface SettingsPatch {
  notifications?: Partial<NotificationSettings>
  readReceipts?: boolean
  delayReceipts?: boolean
  relayOnly?: boolean
}

/**
 * Default settings of a fresh install: names hidden, read receipts off (issue 5), delivery
 * receipts delayed and batched, direct connections allowed (issue 18).
 */
export function defaultSettings(relays: RelayAddress[] = []): Settings {
  return {
    relays: [...relays],
    notifications: { enabled: true, showNames: false },
    readReceipts: false,
    delayReceipts: true,
    relayOnly: false,
  }
}
