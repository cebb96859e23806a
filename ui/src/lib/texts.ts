// Words the UI shows for states of the client API, kept in one place so screens and tests agree.
import type { IconName } from './icons.ts'
import type {
  CallMedia,
  CallOutcome,
  DeliveryState,
  MessagePreview,
  RelayState,
  RelayStatus,
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

/** The icon of each delivery state (DeliveryTicks; the conversation list draws it itself). */
export const DELIVERY_ICON: Readonly<Record<DeliveryState, { name: IconName; size: number }>> = {
  queued: { name: 'clock', size: 14 },
  sent: { name: 'check', size: 16 },
  delivered: { name: 'checks', size: 16 },
  read: { name: 'checks', size: 16 },
  failed: { name: 'alert', size: 16 },
}

/** The tooltip of a name tag (ContactName; the conversation list writes the tag out itself). */
export const NAME_TAG_TITLE =
  "Another contact has a similar name. This tag comes from this contact's key."

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

/** A relay's state line: what it is doing, and why when it fails ("Unreachable: connection refused"). */
export function relayStateText(status: RelayStatus | undefined): string {
  if (status === undefined) return 'Status unknown'
  const text = connectionText(status)
  // Fail-over (ADR 0231): this relay is down but another instance of its community serves our mail.
  if (status.state === 'connected' || status.mailboxVia === undefined || !status.mailboxReady) {
    return text
  }
  const host = status.mailboxVia.split('/')[2] ?? status.mailboxVia
  return `${text} · mailbox served through ${host}`
}

function connectionText(status: RelayStatus): string {
  switch (status.state) {
    case 'connected': {
      const parts = ['Connected']
      if (status.rttMs !== null) parts.push(`${status.rttMs} ms`)
      parts.push(status.mailboxReady ? 'mailbox ready' : 'mailbox not ready yet')
      return parts.join(' · ')
    }
    case 'connecting':
      return 'Connecting…'
    case 'disconnected':
      return status.error === null ? 'Disconnected' : `Disconnected: ${status.error}`
    case 'error': {
      const reason = status.error ?? 'unreachable'
      return `${reason.charAt(0).toLocaleUpperCase()}${reason.slice(1)}`
    }
  }
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
  elsewhere: 'Received on another device',
}

/** Where the extension saves a received file (extension/src/files/download-name.ts). */
export const RECEIVED_FILE_SAVED = 'Saved to Downloads › Hestia'

/** The state line of a file card: a received file says where it went. */
export function transferStateLabel(transfer: {
  direction: 'in' | 'out'
  state: TransferState
  takenBy?: string
  declinedOn?: string
}): string {
  if (transfer.direction === 'in' && transfer.state === 'completed') return RECEIVED_FILE_SAVED
  // Declined on another of our devices (issue 19, ADR 0787): say which one.
  if (transfer.state === 'declined' && transfer.declinedOn !== undefined)
    return declinedOnText(transfer.declinedOn)
  // Another of our devices accepted it (issue 19): say which one.
  if (transfer.state === 'elsewhere' && transfer.takenBy !== undefined)
    return `Received on ${transfer.takenBy}`
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
      return `${name}'s security key changed. Messages under the new key are held and sending is paused until you check it.`
    case 'new_key_accepted':
      return `You accepted ${name}'s new security key.`
    case 'new_key_refused':
      return `You kept ${name}'s old security key. Messages under the new key were deleted.`
    case 'blocked':
      return `You blocked ${name}.`
    case 'unblocked':
      return `You unblocked ${name}.`
    case 'invite_closed':
      return `This invite was already used, withdrawn or has expired. Ask ${name} for a new one.`
    case 'device_added':
      return `${name} added a device. It is still ${name}: the safety number did not change.`
    case 'device_removed':
      return `${name} removed a device. Nothing more is sent to it.`
  }
}

export const CALL_OUTCOME_TEXT: Readonly<Record<CallOutcome, string>> = {
  completed: 'Call',
  missed: 'Missed call',
  declined: 'Declined call',
  busy: 'Busy',
  failed: 'Call failed',
  answered_elsewhere: 'Answered on another device',
}

/** A call or offer declined on another device of ours (issue 19): "Declined on Laptop". */
export function declinedOnText(deviceName: string): string {
  return `Declined on ${deviceName}`
}

/**
 * A call's history line and list preview: "Missed video call", "Declined voice call"; declined on
 * another device of ours: "Declined on Laptop".
 */
export function callText(media: CallMedia, outcome: CallOutcome, declinedOn?: string): string {
  if (outcome === 'declined' && declinedOn !== undefined) return declinedOnText(declinedOn)
  const kind = media === 'video' ? 'video call' : 'voice call'
  const Kind = media === 'video' ? 'Video call' : 'Voice call'
  switch (outcome) {
    case 'completed':
      return Kind
    case 'missed':
      return `Missed ${kind}`
    case 'declined':
      return `Declined ${kind}`
    case 'busy':
      return `${Kind}: busy`
    case 'failed':
      return `${Kind} failed`
    case 'answered_elsewhere':
      return `${Kind} answered on another device`
  }
}

const SYSTEM_PREVIEW: Partial<Record<SystemEvent, (name: string) => string>> = {
  contact_added: (name) => `You and ${name} are connected`,
  verified: (name) => `You verified ${name}`,
  unverified: (name) => `${name} is no longer verified`,
  key_changed: (name) => `${name}'s security key changed`,
  new_key_accepted: (name) => `You accepted ${name}'s new key`,
  blocked: (name) => `You blocked ${name}`,
  unblocked: (name) => `You unblocked ${name}`,
}

/**
 * What a system message says in the conversation list ("You verified Bob"): a short form where
 * there is one, else the history line's first sentence.
 */
export function systemEventPreview(event: SystemEvent, name: string): string {
  const short = SYSTEM_PREVIEW[event]
  if (short !== undefined) return short(name)
  const line = systemEventText(event, name)
  return line.split(/(?<=\.)\s/)[0]?.replace(/\.$/, '') ?? line
}

/** The list's one-line preview of a conversation's last message. */
export function previewLine(last: MessagePreview | null, name: string): string {
  if (last === null) return 'No messages yet'
  if (last.kind === 'file') return last.text
  if (last.kind === 'call')
    return last.call === undefined ? 'Call' : callText(last.call.media, last.call.outcome)
  if (last.kind === 'system')
    return last.event === undefined ? 'Security update' : systemEventPreview(last.event, name)
  return last.text.replace(/\s+/g, ' ')
}

/** The two sentences of first run (issue 6): what Hestia protects, and what the relay can see. */
export const PROTECTION_SUMMARY = [
  'Hestia encrypts your messages, files and calls on this device before they leave it, and keeps your history only here, so the relay never sees what you say.',
  'The relay still sees metadata: which accounts talk to each other, when and how often, the sizes of encrypted files and your IP address.',
] as const

/** Group chats (issue 20): the sentences the group screens show. */
export const GROUP_TEXT = {
  newGroup: 'New group',
  nameLabel: 'Group name',
  pickMembers: 'Choose contacts to invite',
  noContacts: 'Add a contact first: groups are made from your contacts.',
  notVerifiedNote:
    'Contacts you have not verified are marked. Compare safety numbers with them to be sure who joins.',
  create: 'Create group',
  creating: 'Creating…',
  membersHeading: 'Members',
  you: 'You',
  invited: 'Not everyone invited has joined yet: each joins when their device answers.',
  addMembers: 'Add members',
  removed: 'You were removed from this group. You no longer receive its messages.',
  left: 'You left this group. You no longer receive its messages.',
  noMessages: 'No messages yet. Messages are end-to-end encrypted for every member.',
  unknownMember: 'A member',
  held: 'Held: this member’s security key changed. Check their new key before reading it.',
  composerLabel: 'Message to the group',
  leave: 'Leave group',
  confirmLeave: 'Leave this group? You will stop receiving its messages.',
} as const

/** After the name of a group member who is not a contact (ADR 0781). */
export const GROUP_NOT_CONTACT = '(not in your contacts)'

/** "Delivered to 2 of 3" under a group message of ours (ADR 0780). */
export function groupDeliveredText(delivered: number, of: number): string {
  return `Delivered to ${delivered} of ${of}`
}

/**
 * A group's system line (ADR 0782) as a template: {member}, {by} and {name} are put in isolated
 * (<bdi>) by GroupChat, so a name cannot reorder the words. `self`: the line is about us.
 */
export function groupSystemTemplate(
  kind: 'joined' | 'removed' | 'left' | 'renamed' | 'key_changed',
  self: boolean,
  hasBy: boolean,
  /** The one who removed is us. */
  bySelf = false,
): string {
  const who = self ? 'You' : '{member}'
  switch (kind) {
    case 'joined':
      return `${who} joined`
    case 'left':
      return `${who} left`
    case 'removed':
      // "Alice removed Erin" (ADR 0782); who removed is not always known.
      if (hasBy) return `${bySelf ? 'You' : '{by}'} removed ${self ? 'you' : '{member}'}`
      return `${who} ${self ? 'were' : 'was'} removed`
    case 'renamed':
      return `${who} renamed the group to “{name}”`
    case 'key_changed':
      return self ? 'Your security code changed' : '{member}’s security code changed'
  }
}

/** "3 members", "1 member". */
export function memberCountText(count: number): string {
  return `${count} member${count === 1 ? '' : 's'}`
}

/** Message history sent to another device of ours (issue 19, ADR 0790). */
export const HISTORY_TEXT = {
  offer: 'Send message history…',
  explain:
    'Copies your chats’ text messages to that device, end-to-end encrypted between your two devices. Files, calls and groups are not included. Messages it already has are not copied twice.',
  counting: 'Counting messages…',
  send: 'Send history',
  cancel: 'Not now',
  empty: 'There are no messages to send.',
  done: 'Message history sent.',
  failed: 'The history was not sent completely. Try again: nothing is copied twice.',
} as const

/** "1,234 messages in 12 chats, about 2.3 MB". */
export function historySizeText(
  size: { messages: number; chats: number },
  approxBytes: string,
): string {
  const n = new Intl.NumberFormat('en')
  const messages = `${n.format(size.messages)} message${size.messages === 1 ? '' : 's'}`
  const chats = `${n.format(size.chats)} chat${size.chats === 1 ? '' : 's'}`
  return `${messages} in ${chats}, about ${approxBytes}`
}

/** On the receiving device: "Receiving message history from Laptop… 3 of 7 parts, 600 new messages". */
export function historyInText(t: {
  state: string
  chunksDone: number
  chunks: number
  messages: number
}): string {
  const fresh = `${new Intl.NumberFormat('en').format(t.messages)} new message${t.messages === 1 ? '' : 's'}`
  if (t.state === 'done') return `Message history received: ${fresh}.`
  return `Receiving message history… ${t.chunksDone} of ${t.chunks} parts, ${fresh}`
}

/** "Sending… 3 of 7 parts". */
export function historyProgressText(done: number, total: number): string {
  return `Sending… ${done} of ${total} part${total === 1 ? '' : 's'}`
}
