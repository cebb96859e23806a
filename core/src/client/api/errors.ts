/**
 * How a client request fails: the codes, their user-facing sentences, the one error class.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

/** Every error code a request can fail with. A UI maps each to a sentence (CLIENT_ERROR_TEXT). */
export const CLIENT_ERROR_CODES = [
  /** The request (or event) was malformed; a programming error in the caller. */
  'invalid_request',
  /** The node cannot be reached (port closed, host restarting). Retry after `connectivity.changed`. */
  'unavailable',
  /** The node took too long to answer. */
  'timeout',
  /** No identity yet: create one first. */
  'no_identity',
  /** `identity.create` when an identity already exists. */
  'identity_exists',
  /** The contact, conversation, message, transfer or call does not exist (or was deleted). */
  'not_found',
  /** The request does not fit the current state (e.g. retry a message that did not fail). */
  'invalid_state',
  /** The invite is malformed or its signature does not verify. */
  'invite_invalid',
  'invite_expired',
  /** The invite is our own. */
  'invite_self',
  /** The invite was already used, withdrawn by its maker, or has expired (the relay closed it). */
  'invite_closed',
  /** Sending and calls are blocked: the contact's identity key changed. Re-verify or accept. */
  'key_changed',
  /** The contact is blocked. */
  'contact_blocked',
  /** The scanned verification payload does not match this contact's safety number. */
  'verification_mismatch',
  /** A value exceeds a limit (text too long, file too large for the mailbox fallback, …). */
  'too_large',
  'relay_address_invalid',
  /**
   * Our relay answered but will not do this now (it limits how fast mailboxes are made):
   * `retryAfterSeconds` says when to try again.
   */
  'relay_busy',
  /** Our relay did not answer (no connection to it). */
  'relay_unreachable',
  /** Our relay refused the request for another reason (full, not accepting mailboxes, …). */
  'relay_refused',
  /** The contact is not reachable directly and the action needs a direct connection. */
  'peer_unreachable',
  /** Already in a call. */
  'busy',
  /** Local storage is full. */
  'storage_full',
  /** A received file failed its integrity check (altered or corrupted on the way): not saved. */
  'integrity_failed',
  /** The request is valid but its backend is not built yet (files, calls during development). */
  'unsupported',
  /** A bug in the node. The message carries details for a bug report, never message content. */
  'internal',
  /** Hestia is locked (issue 17): only the vault's requests and `device.erase` are answered. */
  'locked',
  /** `vault.unlock` or `vault.changePassphrase` with a passphrase that does not unwrap the key. */
  'wrong_passphrase',
  /**
   * A backup of this identity was restored on another device, which replaced this one (ADR 0524):
   * contacts no longer read what this device sends.
   */
  'device_replaced',
  /** `devices.linkAccept`: the identity already has 5 devices (ADR 0760). */
  'device_limit',
  /** `devices.linkAccept`: the text is not a device link (an invite, a cut link, junk). */
  'link_invalid',
  /** `devices.linkAccept`: the device link is older than its 10 minutes. */
  'link_expired',
  /** `backup.import`: the file is not a Hestia backup. Nothing was imported (so for each below). */
  'backup_not_a_backup',
  /** `backup.import`: made by a newer version of Hestia. */
  'backup_unsupported_version',
  /** `backup.import`: the file was cut short. */
  'backup_truncated',
  /** `backup.import`: the file is damaged (or its contents do not hang together). */
  'backup_damaged',
  /** `backup.import`: wrong passphrase or recovery code, or an altered file (indistinguishable). */
  'backup_wrong_passphrase',
  /** `backup.import`: key-derivation settings outside what Hestia runs. */
  'backup_invalid_parameters',
  /** `backup.import`: larger than Hestia opens. */
  'backup_too_large',
] as const

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

export interface ClientErrorBody {
  code: ClientErrorCode
  /** Detail for logs and bug reports; a UI shows CLIENT_ERROR_TEXT[code] to the user. */
  message: string
  /** `relay_busy` only: whole seconds (≥ 1) until the relay takes the request again. */
  retryAfterSeconds?: number
}

/**
 * A client request failed with this code. On the node a handler (or anything it calls) throws it
 * and the dispatcher's one error map (dispatch.ts) answers with its body; on a page the UI's `call`
 * throws it for a failure response. One error class for the client-API boundary (ADR 0810).
 */
export class ClientApiError extends Error {
  override readonly name: string = 'ClientApiError'
  readonly code: ClientErrorCode
  readonly retryAfterSeconds: number | undefined

  constructor(code: ClientErrorCode, message: string, retryAfterSeconds?: number) {
    super(message)
    this.code = code
    this.retryAfterSeconds = retryAfterSeconds
  }

  static fromBody(body: ClientErrorBody): ClientApiError {
    return new ClientApiError(body.code, body.message, body.retryAfterSeconds)
  }

  /** The sentence a person sees (never the detail message, which is for bug reports). */
  get userText(): string {
    return CLIENT_ERROR_TEXT[this.code]
  }

  toBody(): ClientErrorBody {
    const { code, message, retryAfterSeconds } = this
    return retryAfterSeconds === undefined
      ? { code, message }
      : { code, message, retryAfterSeconds }
  }
}

/** Default user-facing sentences, one per code. The UI may translate them. */
export const CLIENT_ERROR_TEXT: Readonly<Record<ClientErrorCode, string>> = {
  invalid_request: 'Something went wrong inside Hestia. Please report this.',
  unavailable: 'Hestia is starting up. Try again in a moment.',
  timeout: 'Hestia did not answer in time. Try again.',
  no_identity: 'Create your identity first.',
  identity_exists: 'You already have an identity on this device.',
  not_found: 'This item no longer exists.',
  invalid_state: 'That action is not possible right now.',
  invite_invalid: 'This invite is not valid. Ask your contact for a new one.',
  invite_expired: 'This invite has expired. Ask your contact for a new one.',
  invite_self: 'This is your own invite. Share it with someone else.',
  invite_closed:
    'This invite was already used, withdrawn or has expired. Ask your contact for a new one.',
  key_changed:
    "This contact's security key changed. Verify the new key or accept it before sending.",
  contact_blocked: 'You blocked this contact. Unblock them to send messages.',
  verification_mismatch:
    'The codes do not match. You may not be talking to who you think. Do not mark as verified.',
  too_large: 'This is too large to send.',
  relay_address_invalid: 'This relay address is not valid.',
  relay_busy: 'Your relay is busy. Try again in a moment.',
  relay_unreachable: 'Your relay is not reachable. Check your connection, then try again.',
  relay_refused: 'Your relay refused this. Try again later, or add another relay in Settings.',
  peer_unreachable: 'Your contact is not reachable right now.',
  busy: 'You are already in a call.',
  storage_full: 'Your device storage is full. Free some space and try again.',
  integrity_failed:
    'This file was damaged or altered on the way, so it was not saved. Ask your contact to send it again.',
  unsupported: 'This feature is not available yet.',
  internal: 'Something went wrong inside Hestia. Please report this.',
  locked: 'Hestia is locked. Enter your passphrase to unlock it.',
  wrong_passphrase: 'That passphrase is not right. Nothing was changed.',
  device_replaced:
    'Your backup was restored on another device, which replaced this one: your contacts no longer read what you send from here.',
  device_limit:
    'This identity already has 5 devices, the most Hestia allows. Remove one in Settings → Devices first.',
  link_invalid:
    'This is not a device link. On the new device choose "Link to an existing identity" and scan or copy the link it shows.',
  link_expired: 'This device link has expired. Start linking again on the new device.',
  // The backup sentences are core/src/backup/errors.ts's (a test keeps them equal).
  backup_not_a_backup: 'This file is not a Hestia backup.',
  backup_unsupported_version:
    'This backup was made by a newer version of Hestia: update the extension, then try again.',
  backup_truncated: 'This backup file is incomplete (cut short while copying or downloading).',
  backup_damaged: 'This backup file is damaged and cannot be read.',
  backup_wrong_passphrase:
    'The passphrase or recovery code is not correct (or the file was altered). Nothing was imported.',
  backup_invalid_parameters: 'This backup asks for key-derivation settings Hestia refuses to run.',
  backup_too_large: 'This backup is larger than Hestia can open.',
}
