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
    frames: {
      commitMls: toHex(commit),
      commit: toHex(encodeGroupFrame(FRAME_KIND.commit, commit)),
      proposal: toHex(encodeGroupFrame(FRAME_KIND.proposal, proposal)),
      application: toHex(encodeGroupFrame(FRAME_KIND.application, application)),
    },
  }
}
