/** Domain labels of the messenger (wire/labels.ts keeps the crypto layer's). */
export const MESSENGER_DOMAIN = {
  /** Invite signature by the inviter's identity key. */
  invite: 'hestia/v1/invite',
  /** The 128-bit identity fingerprint a short invite link carries (invite-link.ts). */
  inviteFingerprint: 'hestia/v1/invite-fingerprint',
  /** Derivation of an owned mailbox's keys from the device's mailbox root secret. */
  mailboxKeys: 'hestia/v1/mailbox-keys',
  /** Short identity fingerprint shown in the UI (not the safety number). */
  fingerprint: 'hestia/v1/identity-fingerprint',
} as const
