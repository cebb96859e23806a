/**
 * Identity and connectivity: what the UI shows about this device and its relays.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import type { RelayAddress, Timestamp } from './scalars.ts'

export type IdentityStatus =
  | { state: 'none' }
  | {
      state: 'ready'
      displayName: string
      /** Short fingerprint of our identity key for display (base64url of a hash prefix). */
      fingerprint: string
      createdAt: Timestamp
      /**
       * This identity was restored from a backup on another device, which replaced this one
       * (ADR 0524): contacts no longer read what this device sends, so sending is refused
       * (`device_replaced`). Absent while this device is the identity's current one.
       */
      replaced?: { at: Timestamp; byDeviceId: string }
      /**
       * Which device of the identity this is (issue 19, ADR 0760/0762): the primary holds the
       * identity key; a companion was linked to it and cannot make invites or change the device
       * list. Absent from hosts older than the companion runtime (read as primary).
       */
      role?: IdentityRole
    }

export const IDENTITY_ROLES = ['primary', 'companion'] as const
export type IdentityRole = (typeof IDENTITY_ROLES)[number]

export const RELAY_STATES = ['connecting', 'connected', 'disconnected', 'error'] as const
export type RelayState = (typeof RELAY_STATES)[number]

export interface RelayStatus {
  address: RelayAddress
  state: RelayState
  /** A circuit-relay reservation is held: contacts can reach us through this relay. */
  reserved: boolean
  /** Our mailbox on this relay is reachable (offline delivery works). */
  mailboxReady: boolean
  /**
   * Present while our mailboxes of this relay are served through another instance of its community
   * (same store, ADR 0231) because this one is down: `mailboxReady` then says whether that instance
   * serves them, not this relay.
   */
  mailboxVia?: RelayAddress
  /** Last round-trip time in ms, or null if unknown. */
  rttMs: number | null
  /**
   * Why the relay is in `error`, in words for the user ("unreachable: connection refused",
   * "timed out after 10 s", "wrong relay identity …"), else null.
   */
  error: string | null
  since: Timestamp
}

export interface ConnectivityStatus {
  /** The node itself runs (the host is up); false while it starts or after it died. */
  nodeRunning: boolean
  relays: RelayStatus[]
  /** Contacts' devices with an open direct (WebRTC) connection. */
  directPeers: number
}
