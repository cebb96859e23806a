// Words the UI shows for states of the client API, kept in one place so screens and tests agree.
import type {
  CallOutcome,
  DeliveryState,
  RelayState,
  SystemEvent,
  TransferState,
  TrustState,
} from '@hestia/core/client/api.ts'

export const DELIVERY_LABEL: Readonly<Record<DeliveryState, string>> = {
  queued: 'Waiting to send',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
}

export const TRUST_LABEL: Readonly<Record<TrustState, string>> = {
  unverified: 'Not verified',
  verified: 'Verified',
  key_changed: 'Security key changed',
  blocked: 'Blocked',
}

export const RELAY_STATE_LABEL: Readonly<Record<RelayState, string>> = {
  connecting: 'Connecting',
  connected: 'Connected',
  disconnected: 'Disconnected',
  error: 'Error',
}

export const TRANSFER_STATE_LABEL: Readonly<Record<TransferState, string>> = {
  preparing: 'Preparing',
  offered: 'Waiting for acceptance',
  waiting: 'Waiting for a route',
  transferring: 'Transferring',
  paused: 'Paused',
  verifying: 'Checking integrity',
  completed: 'Done',
  declined: 'Declined',
  cancelled: 'Cancelled',
  failed: 'Failed',
}

/** Where the extension saves a received file (extension/src/files/download-name.ts). */
export const RECEIVED_FILE_SAVED = 'Saved to Downloads › Hestia'

/** The state line of a file card: a received file says where it went. */
export function transferStateLabel(transfer: {
  direction: 'in' | 'out'
  state: TransferState
}): string {
  if (transfer.direction === 'in' && transfer.state === 'completed') return RECEIVED_FILE_SAVED
  return TRANSFER_STATE_LABEL[transfer.state]
}

export function systemEventText(event: SystemEvent, name: string): string {
  switch (event) {
    case 'contact_added':
      return `You and ${name} are connected. Messages are end-to-end encrypted.`
    case 'verified':
      return `You verified ${name}'s security key.`
    case 'unverified':
      return `${name} is no longer marked as verified.`
    case 'key_changed':
      return `${name}'s security key changed. Sending is paused until you check it.`
    case 'new_key_accepted':
      return `You accepted ${name}'s new security key.`
    case 'blocked':
      return `You blocked ${name}.`
    case 'unblocked':
      return `You unblocked ${name}.`
  }
}

export const CALL_OUTCOME_TEXT: Readonly<Record<CallOutcome, string>> = {
  completed: 'Call',
  missed: 'Missed call',
  declined: 'Declined call',
  busy: 'Busy',
  failed: 'Call failed',
}

/** The two sentences of first run (issue 6): what Hestia protects, and what the relay can see. */
export const PROTECTION_SUMMARY = [
  'Hestia encrypts your messages, files and calls on this device before they leave it, and keeps your history only here, so the relay never sees what you say.',
  'The relay still sees metadata: which accounts talk to each other, when and how often, the sizes of encrypted files and your IP address.',
] as const
