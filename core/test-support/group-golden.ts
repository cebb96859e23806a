/**
 * Golden vectors for Hestia's own group bytes (docs/protocol/groups.md): a MemberCredential and a
 * GroupFrame of each kind, from a seeded random source and a fixed clock. The MLS messages inside
 * the frames are built by hand from fixed fields (ts-mls randomises its own output), so the bytes
 * are reproducible. Regenerate with `node scripts/gen-group-vectors.ts`; golden.test.ts in
 * core/src/groups/golden/ checks the committed vectors.json. Any change here is a wire change.
 */
import { encodeMlsMessage, type MLSMessage } from 'ts-mls'
import { toHex } from '../src/crypto/bytes.ts'
import { createIdentity, issueDeviceCert } from '../src/crypto/identity.ts'
import { ed25519KeyPair } from '../src/crypto/primitives.ts'
import { issueMemberCredential } from '../src/groups/credential.ts'
import { encodeGroupFrame, FRAME_KIND } from '../src/groups/framing.ts'
import { encodeGroupDirect, encodeGroupInvite } from '../src/groups/direct.ts'
import { cutIntoPieces } from '../src/groups/mailbox-pieces.ts'
import { fixedClock, seededRandom } from './deterministic.ts'

export const GROUP_GOLDEN_SEED = 'hestia/golden/groups/v1'
export const GROUP_GOLDEN_START_MS = Date.UTC(2026, 0, 1)
const DAY = 86_400_000

const fill = (n: number, byte: number) => new Uint8Array(n).fill(byte)

/** Fixed MLS messages: a PrivateMessage per content type, for the frames that carry them. */
function privateMessage(
  contentType: 'application' | 'proposal' | 'commit',
  epoch: bigint,
): MLSMessage {
  return {
    version: 'mls10',
    wireformat: 'mls_private_message',
    privateMessage: {
      groupId: fill(32, 0x11),
      epoch,
      contentType,
      authenticatedData: new Uint8Array(),
      encryptedSenderData: fill(28, 0x22),
      ciphertext: fill(64, 0x33),
    },
  }
}

/** A fixed MLS Welcome (one recipient, fixed HPKE output): only its framing matters here. */
function fixedWelcome(): Uint8Array {
  return encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_welcome',
    welcome: {
      cipherSuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
      secrets: [
        {
          newMember: fill(32, 0x44),
          encryptedGroupSecrets: { kemOutput: fill(32, 0x55), ciphertext: fill(48, 0x66) },
        },
      ],
      encryptedGroupInfo: fill(96, 0x77),
    },
  })
}

/** The delivery formats (ADRs 0132, 0133): a group mailbox entry and the 1:1 group messages. */
function deliveryVectors(
  commitFrame: Uint8Array,
  applicationFrame: Uint8Array,
): Record<string, string> {
  const groupId = fill(32, 0x11)
  const welcome = encodeGroupFrame(FRAME_KIND.welcome, fixedWelcome())
  const invite = encodeGroupInvite({
    welcome,
    relays: ['/ip4/192.0.2.1/tcp/4001/ws/p2p/12D3KooWGoldenRelay'],
    mailboxId: fill(32, 0x88),
    mailboxAuthSecret: fill(32, 0x99),
    mailboxCapability: fill(32, 0xaa),
    afterId: 7n,
    name: 'Golden group',
  })
  return {
    mailboxEntry: toHex(cutIntoPieces(commitFrame, fill(8, 0xbb))[0]!),
    directKeyPackageRequest: toHex(
      encodeGroupDirect({ groupId, body: { kind: 'key_package_request' } }),
    ),
    directFrame: toHex(
      encodeGroupDirect({ groupId, body: { kind: 'frame', frame: applicationFrame } }),
    ),
    directInvitePart: toHex(
      encodeGroupDirect({
        groupId,
        body: { kind: 'invite_part', index: 0, count: 1, chunk: invite },
      }),
    ),
    invite: toHex(invite),
    welcomeFrame: toHex(welcome),
  }
}

export function generateGroupGoldenVectors(): Record<string, Record<string, string | number>> {
  const random = seededRandom(GROUP_GOLDEN_SEED)
  const clock = fixedClock(GROUP_GOLDEN_START_MS)
  const identity = createIdentity(random)
  const deviceKey = ed25519KeyPair(random) // any 32 bytes serve as the device's X25519 key here
  const cert = issueDeviceCert(identity, {
    deviceKey: deviceKey.publicKey,
    peerId: new TextEncoder().encode('peer:golden'),
    issuedAt: clock.clock(),
    expiresAt: clock.clock() + 30 * DAY,
  })
  const signing = ed25519KeyPair(random)
  const credential = issueMemberCredential(identity, cert, signing.publicKey)
  const commit = encodeMlsMessage(privateMessage('commit', 4n))
  const proposal = encodeMlsMessage(privateMessage('proposal', 4n))
  const application = encodeMlsMessage(privateMessage('application', 5n))
  return {
    credential: {
      nowMs: clock.clock() + 60_000,
      identityPublic: toHex(identity.publicKey),
      signatureKey: toHex(signing.publicKey),
      deviceCert: toHex(cert.bytes),
      memberCredential: toHex(credential),
    },
    delivery: deliveryVectors(
      encodeGroupFrame(FRAME_KIND.commit, commit),
      encodeGroupFrame(FRAME_KIND.application, application),
    ),
    frames: {
      commitMls: toHex(commit),
      commit: toHex(encodeGroupFrame(FRAME_KIND.commit, commit)),
      proposal: toHex(encodeGroupFrame(FRAME_KIND.proposal, proposal)),
      application: toHex(encodeGroupFrame(FRAME_KIND.application, application)),
    },
  }
}
