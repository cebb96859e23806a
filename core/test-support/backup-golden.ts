// Golden vectors of the backup file format (docs/protocol/backup.md): deterministic files from a
// seeded random source, plus damaged files with the error each must give. Regenerate after an
// intentional format change with `node core/test-support/backup-golden.ts`, then review the diff;
// core/src/backup/backup.test.ts checks the committed file is exactly what this produces.
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { encode } from 'cborg'
import { toHex } from '../src/crypto/bytes.ts'
import { BACKUP_DEFAULT, hashWasmArgon2id, passphraseBytes } from '../src/store/at-rest/argon2id.ts'
import type { Argon2idParams } from '../src/store/at-rest/argon2id.ts'
import { BACKUP_CONTENTS_VERSION } from '../src/backup/contents.ts'
import type { BackupContents } from '../src/backup/contents.ts'
import { encodeBackup } from '../src/backup/format.ts'
import { generateRecoveryCode, normaliseRecoveryCode } from '../src/backup/recovery-code.ts'
import { seededRandom } from './deterministic.ts'

export const GOLDEN_BACKUP_TIME = Date.UTC(2026, 11, 6, 9, 0, 0)
const T = GOLDEN_BACKUP_TIME

/** A small account: two contacts (one verified, one with a pending key change), history, settings. */
export function goldenBackupContents(): BackupContents {
  const random = seededRandom('backup-golden-contents')
  return {
    contentsVersion: BACKUP_CONTENTS_VERSION,
    createdAt: T,
    identity: {
      displayName: 'Zoë',
      identityPublicKey: random(32),
      secretKeys: random(96),
      deviceId: '12D3KooWGoldenDeviceZoe',
      deviceCertificate: random(120),
      createdAt: T - 86_400_000,
    },
    devices: [
      {
        ownerId: 'contact-ada',
        deviceId: '12D3KooWGoldenDeviceAda',
        certificate: random(120),
        addedAt: T - 3_600_000,
        expiresAt: T + 30 * 86_400_000,
        lastSeenAt: T - 60_000,
      },
    ],
    contacts: [
      {
        contactId: 'contact-ada',
        displayName: 'Ada',
        identityPublicKey: random(32),
        identityKeyId: 'ada-key-id',
        verified: true,
        blocked: false,
        keyChange: null,
        relays: ['/dns4/relay.example/tcp/443/wss'],
        inboundMailboxId: 'mailbox-ada',
        outboundMailbox: random(64),
        addedAt: T - 3_600_000,
        updatedAt: T - 1_800_000,
      },
      {
        contactId: 'contact-bo',
        displayName: 'Bo 🌻',
        nameTag: 'k7',
        identityPublicKey: random(32),
        identityKeyId: 'bo-key-id',
        verified: false,
        blocked: false,
        keyChange: {
          identityPublicKey: random(32),
          seenAt: T - 1000,
          held: [],
          hello: null,
          devices: [],
        },
        relays: [],
        inboundMailboxId: null,
        outboundMailbox: null,
        addedAt: T - 7_200_000,
        updatedAt: T - 1000,
      },
    ],
    conversations: [
      {
        conversationId: 'conv-ada',
        contactId: 'contact-ada',
        lastMessageId: 'm-2',
        lastActivityAt: T - 10_000,
        unreadCount: 1,
      },
      {
        conversationId: 'conv-bo',
        contactId: 'contact-bo',
        lastMessageId: null,
        lastActivityAt: T - 7_200_000,
        unreadCount: 0,
      },
    ],
    messages: [
      {
        messageId: 'm-1',
        conversationId: 'conv-ada',
        direction: 'out',
        senderDeviceId: null,
        body: { kind: 'text', text: 'Tea at five? ☕' },
        sentAt: T - 20_000,
        receivedAt: T - 20_000,
        delivery: 'read',
        failure: null,
        readAt: null,
      },
      {
        messageId: 'm-2',
        conversationId: 'conv-ada',
        direction: 'in',
        senderDeviceId: '12D3KooWGoldenDeviceAda',
        body: { kind: 'text', text: 'Yes — bring the map.' },
        sentAt: T - 10_500,
        receivedAt: T - 10_000,
        delivery: null,
        failure: null,
        readAt: null,
      },
    ],
    settings: {
      relays: ['/dns4/relay.example/tcp/443/wss'],
      notifications: { enabled: true, showNames: false },
      readReceipts: false,
    },
  }
}

export interface GoldenBackupVector {
  name: string
  passphrase: string
  params: Argon2idParams
  /** CBOR of the contents (the plaintext inside the AEAD). */
  plaintextHex: string
  fileHex: string
}

export interface DamagedBackupVector {
  name: string
  passphrase: string
  fileHex: string
  /** The BackupError code decoding must give. */
  error: string
}

export interface GoldenBackupFile {
  note: string
  vectors: GoldenBackupVector[]
  damaged: DamagedBackupVector[]
}

const SMALL: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const MEDIUM: Argon2idParams = { memoryKiB: 1024, iterations: 2, parallelism: 2 }

async function vector(
  name: string,
  passphrase: string,
  params: Argon2idParams,
): Promise<GoldenBackupVector> {
  const contents = goldenBackupContents()
  const file = await encodeBackup(contents, passphraseBytes(passphrase), {
    kdf: hashWasmArgon2id,
    random: seededRandom(`backup-golden/${name}`),
    params,
    floor: SMALL,
  })
  return { name, passphrase, params, plaintextHex: toHex(encode(contents)), fileHex: toHex(file) }
}

function altered(fileHex: string, edit: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = Uint8Array.from(Buffer.from(fileHex, 'hex'))
  return toHex(edit(bytes))
}

export async function generateBackupVectors(): Promise<GoldenBackupFile> {
  const recoveryCode = generateRecoveryCode(seededRandom('backup-golden/recovery-code'))
  const small = await vector('small-params', 'correct horse ✓ café', SMALL)
  const vectors = [
    small,
    await vector('recovery-code', `${normaliseRecoveryCode(recoveryCode)}`, MEDIUM),
    await vector('default-params', 'correct horse ✓ café', BACKUP_DEFAULT),
  ]
  const setU32 = (at: number, value: number) => (b: Uint8Array) => {
    new DataView(b.buffer).setUint32(at, value, false)
    return b
  }
  const damaged: DamagedBackupVector[] = [
    {
      name: 'wrong passphrase',
      passphrase: 'correct horse ✓ cafe',
      fileHex: small.fileHex,
      error: 'wrong_passphrase',
    },
    {
      name: 'cut short',
      passphrase: small.passphrase,
      fileHex: small.fileHex.slice(0, 200),
      error: 'truncated',
    },
    {
      name: 'cut inside the header',
      passphrase: small.passphrase,
      fileHex: small.fileHex.slice(0, 40),
      error: 'truncated',
    },
    {
      name: 'last byte missing',
      passphrase: small.passphrase,
      fileHex: small.fileHex.slice(0, -2),
      error: 'truncated',
    },
    {
      name: 'a byte appended',
      passphrase: small.passphrase,
      fileHex: small.fileHex + '00',
      error: 'damaged',
    },
    {
      name: 'format version 2',
      passphrase: small.passphrase,
      fileHex: altered(small.fileHex, (b) => ((b[8] = 2), b)),
      error: 'unsupported_version',
    },
    {
      name: 'not a backup',
      passphrase: small.passphrase,
      fileHex: altered(small.fileHex, (b) => ((b[0] = 0x50), b)),
      error: 'not_a_backup',
    },
    {
      name: 'iterations changed in the header',
      passphrase: small.passphrase,
      fileHex: altered(small.fileHex, setU32(14, 2)),
      error: 'wrong_passphrase',
    },
    {
      name: 'ciphertext byte flipped',
      passphrase: small.passphrase,
      fileHex: altered(small.fileHex, (b) => ((b[100]! ^= 1), b)),
      error: 'wrong_passphrase',
    },
    {
      name: 'memory beyond the bound',
      passphrase: small.passphrase,
      fileHex: altered(small.fileHex, setU32(10, 0x7fffffff)),
      error: 'invalid_parameters',
    },
  ]
  return {
    note: 'Generated by core/test-support/backup-golden.ts; format in docs/protocol/backup.md. Hex strings; passphrases are used as UTF-8 of their NFC form.',
    vectors,
    damaged,
  }
}

export const BACKUP_VECTORS_PATH = resolve(
  import.meta.dirname,
  '..',
  'src',
  'backup',
  'golden',
  'vectors.json',
)

if (import.meta.main) {
  writeFileSync(BACKUP_VECTORS_PATH, JSON.stringify(await generateBackupVectors(), null, 2) + '\n')
  console.log(`wrote ${BACKUP_VECTORS_PATH}`)
}
