/**
 * Our framing around MLS messages (groups.proto GroupFrame): a version, what kind of traffic the
 * frame carries, and one MLSMessage. The kind lets a member route a frame without running MLS
 * (the group mailbox orders handshakes; application data can also go directly); the decoder checks
 * that the MLS wire format fits the kind, so a frame cannot claim to be what it is not.
 * docs/protocol/groups.md describes the bytes.
 */
import { decodeStrict, requireBytes, requireVersion } from '../wire/decode.ts'
import { ProtocolError } from '../wire/errors.ts'
import { GroupFrame as GroupFrameCodec } from './groups.pb.js'
import { GROUP_FORMAT_VERSION, GROUP_LIMITS } from './limits.ts'
import { peekMessage } from './mls.ts'

export const FRAME_KIND = {
  commit: 1,
  proposal: 2,
  application: 3,
  welcome: 4,
  keyPackage: 5,
} as const
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND]

/** The MLS wire formats (RFC 9420 §6) each kind may carry. */
const WIRE_FORMATS: Readonly<Record<FrameKind, readonly string[]>> = {
  [FRAME_KIND.commit]: ['mls_private_message', 'mls_public_message'],
  [FRAME_KIND.proposal]: ['mls_private_message', 'mls_public_message'],
  [FRAME_KIND.application]: ['mls_private_message'],
  [FRAME_KIND.welcome]: ['mls_welcome'],
  [FRAME_KIND.keyPackage]: ['mls_key_package'],
}

/** Version, kind and the length-prefixed MLS bytes: a few bytes over the MLS message. */
const FRAME_OVERHEAD_BYTES = 16

export interface GroupFrame {
  kind: FrameKind
  /** One MLSMessage, TLS presentation encoding. */
  mls: Uint8Array
  /** The epoch of a handshake or application message (undefined for welcome and key package). */
  epoch: bigint | undefined
}

function isKind(n: number): n is FrameKind {
  return Object.values(FRAME_KIND).includes(n as FrameKind)
}

/** Checks that `mls` is one MLS message of a wire format `kind` allows; returns its epoch. */
function checkFits(kind: FrameKind, mls: Uint8Array): bigint | undefined {
  const peek = peekMessage(mls)
  if (!WIRE_FORMATS[kind].includes(peek.wireformat)) {
    throw new ProtocolError(
      'malformed',
      `group frame: kind ${kind} cannot carry ${peek.wireformat}`,
    )
  }
  return peek.epoch
}

export function encodeGroupFrame(kind: FrameKind, mls: Uint8Array): Uint8Array {
  if (!isKind(kind)) throw new RangeError(`unknown group frame kind ${String(kind)}`)
  checkFits(kind, mls)
  return GroupFrameCodec.encode({ version: GROUP_FORMAT_VERSION, kind, mls: new Uint8Array(mls) })
}

/**
 * Decodes a frame a peer or the relay gave us. Throws ProtocolError: 'oversize' (over the cap),
 * 'malformed' (not canonical protobuf, unknown kind, empty or non-MLS payload, or a payload the
 * kind does not allow), 'unsupported_version'.
 */
export function decodeGroupFrame(bytes: unknown): GroupFrame {
  const v = decodeStrict(
    bytes,
    GROUP_LIMITS.maxFrameBytes + FRAME_OVERHEAD_BYTES,
    GroupFrameCodec,
    'group frame',
  )
  requireVersion(v.version, GROUP_FORMAT_VERSION, 'group frame')
  if (!isKind(v.kind)) throw new ProtocolError('malformed', `group frame: unknown kind ${v.kind}`)
  const mls = requireBytes(v.mls, 'group frame payload', {
    min: 1,
    max: GROUP_LIMITS.maxFrameBytes,
  })
  return { kind: v.kind, mls, epoch: checkFits(v.kind, mls) }
}
