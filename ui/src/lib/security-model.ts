// The "About and security" page, summarised from the Hestia security model (seed document).
// Plain strings rendered as text; each section keeps the seed's order and wording where short.

export interface SecuritySection {
  title: string
  paragraphs: readonly string[]
  points: readonly string[]
}

export const SECURITY_INTRO =
  'Hestia is a privacy-first messenger designed to reduce what servers can see. This page describes the intended security properties and known limits. It is not a promise of anonymity or perfect protection.'

export const SECURITY_MODEL: readonly SecuritySection[] = [
  {
    title: 'What is protected',
    paragraphs: [],
    points: [
      'Text messages are encrypted on your device before sending; the relay should never see the plaintext.',
      'Files are encrypted before they leave your device; relays store encrypted blobs only.',
      'Calls use WebRTC, whose media is encrypted in transit with DTLS-SRTP. The call window shows the certificate fingerprints exchanged inside the end-to-end encrypted signalling and stops the call if the connection does not match them.',
      'Message history is stored on your device, not centrally on a server.',
      'Received files are saved as downloads. Unless a file is a common picture, sound, video, PDF, ZIP or plain-text file, it is saved as an opaque file that the browser does not open as a page. Hidden characters are removed from file names, and the real extension is always shown.',
      'Relays and contacts are not told which browser or version you use: Hestia identifies itself only as “hestia”.',
    ],
  },
  {
    title: 'What the relay can see',
    paragraphs: [
      'Hestia reduces plaintext exposure but does not make metadata disappear. A relay operator may observe:',
    ],
    points: [
      'Your IP address and when you are online. All of your connections come from that address, so by address and timing the relay can guess which mailboxes are yours and whom you write to.',
      'How often each mailbox receives messages and when they are picked up. Each mailbox belongs to one contact relationship, is used over its own connection under a throwaway identity, and is replaced by a new one every week (or when you ask, in the contact’s details).',
      'Call signalling: that two devices are setting up a direct connection (not in “Relay only” mode).',
      'What it never sees: message contents, names, your identity key or safety numbers.',
      'What it cannot tell apart: messages, delivery receipts and the start of a new conversation are all the same size to the relay, and delivery receipts leave in batches 1–30 seconds late. A file sent through the relay shows as a run of 64 KB pieces, so its rough size is visible.',
    ],
  },
  {
    title: 'Trust and verification',
    paragraphs: [
      'Each person has a key. The first key seen for a contact is trusted until it changes or you verify it another way (trust on first use).',
    ],
    points: [
      'Comparing the safety number or scanning the QR code confirms a contact’s key.',
      'If a contact’s key changes, Hestia holds everything sent under the new key: those messages are not shown, counted or notified, and sending and calls are paused. You choose: verify the new key (safety number or QR), accept it without verifying (the held messages then appear, in order), or keep the old key (the held messages are deleted and the new key is refused until you allow new keys again).',
      'Only the key you trust can change where Hestia sends a contact’s messages (their mailbox and relays). A contact has at most 8 devices; an older certificate for a known device is refused.',
      'Contact names cannot hide or reorder text: invisible, control and direction-changing characters are removed. If a new contact’s name looks like one you already have, it carries a short tag taken from that contact’s key, which the contact cannot choose.',
      'Without verification, someone in the middle could impersonate a contact.',
    ],
  },
  {
    title: 'What is not protected',
    paragraphs: ['Some risks are outside the messenger and depend on your device and habits:'],
    points: [
      'Compromised devices or malware',
      'Screen recording or someone using your unlocked device',
      'Weak device passwords',
      'Social engineering',
      'People copying or forwarding what you send',
    ],
  },
  {
    title: 'Local data and notifications',
    paragraphs: [
      'Messages and files are stored on this device. Decrypted data exists here while you read, open files or call; losing control of the device can mean losing control of these conversations.',
      'Notifications only wake you up: by default they say “New message” without the sender’s name or any text.',
    ],
    points: [],
  },
  {
    title: 'Relays and self-hosting',
    paragraphs: [
      'A relay forwards encrypted traffic, coordinates delivery and may keep encrypted messages for a while so offline contacts can fetch them. It is never the source of your history.',
      'Running your own relay gives you control over updates, logs and backups, but it still sees the metadata needed to route traffic.',
    ],
    points: [],
  },
  {
    title: 'Recommendations',
    paragraphs: [],
    points: [
      'Verify safety numbers for important contacts.',
      'Keep your devices locked and updated, and use strong passphrases.',
      'Use relays you trust, or run your own over HTTPS/WSS.',
      'Be careful with backups and exported files.',
      'Never ignore an unexpected key-change warning.',
    ],
  },
  {
    title: 'Limitations',
    paragraphs: [],
    points: [
      'No anonymous routing: Hestia is not Tor or I2P.',
      'Metadata is minimised where practical, not hidden.',
      'Trust starts on first use and benefits from manual verification.',
      'No formal external security audit is claimed.',
      'A compromised device exposes its local plaintext whatever the transport encryption.',
      'Direct messages, files and calls reveal your IP address to your contact, and theirs to you. “Relay only” in Settings prevents that: everything then goes through the relay, more slowly, and calls are off.',
    ],
  },
]
