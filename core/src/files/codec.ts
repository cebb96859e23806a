/**
 * Encoders and decoders of the file-transfer frames (files.proto, docs/protocol/files.md). Every
 * decoder checks the size first, then the fields against FILE_LIMITS, and returns a value or throws
 * one ProtocolError ('oversize', 'malformed', 'unsupported_version', 'limit_exceeded').
 */
import { COBBLESTONE_256 } from '../crypto/file-encryption.ts'
import { bytesEqual, concatBytes, utf8 } from '../crypto/bytes.ts'
import { decodeFileShare, type FileShareFields } from '../crypto/codecs.ts'
import { hkdfSha256, hmacSha256 } from '../crypto/primitives.ts'
import {
  decodeCapped,
  decodeStrict,
  requireBytes,
  requireUint,
  requireVersion,
} from '../wire/decode.ts'
import { ProtocolError } from '../wire/errors.ts'
import { cleanFileName, cleanMimeType } from '../text/clean.ts'
import { domainSeparated } from '../wire/labels.ts'
import {
  FileControl,
  FileMailboxPiece,
  FileOffer,
  FileRequest,
  ReceiverFrame,
  SenderFrame,
} from './files.pb.js'
import { FILE_ACTIONS, FILE_FORMAT_VERSION, FILE_LIMITS, type FileAction } from './limits.ts'

const C = COBBLESTONE_256
const L = FILE_LIMITS

/** Labels of the file protocol ("hestia/v1/..."; wire/labels.ts holds the crypto-layer ones). */
export const FILE_LABELS = {
  requestKey: 'hestia/v1/file/request-key',
  requestProof: 'hestia/v1/file/request-proof',
} as const

// Offer -------------------------------------------------------------------------------------------

export interface FileOfferFields {
  transferId: Uint8Array
  name: string
  size: number
  mimeType: string
  /** Encoded crypto FileShare: file key, size, ciphertext SHA-256. */
  shareRecord: Uint8Array
}

export interface DecodedOffer extends FileOfferFields {
  share: FileShareFields
}

export function encodeOffer(o: FileOfferFields): Uint8Array {
  return FileOffer.encode({
    version: FILE_FORMAT_VERSION,
    transferId: o.transferId as Uint8Array<ArrayBuffer>,
    name: o.name,
    size: BigInt(o.size),
    mimeType: o.mimeType,
    shareRecord: o.shareRecord as Uint8Array<ArrayBuffer>,
  })
}

/** Also decodes the share record and checks it describes the same file (id and size). */
export function decodeOffer(bytes: unknown): DecodedOffer {
  const v = decodeStrict(bytes, L.offerBytes, FileOffer, 'file offer')
  requireVersion(v.version, FILE_FORMAT_VERSION, 'file offer')
  const transferId = requireBytes(v.transferId, 'transfer id', { exact: L.transferIdBytes })
  // Refused: controls and bidi (a sender's UI never produces them). Removed: every other
  // invisible or format character (zero-width joiners in an emoji name are honest).
  const name = cleanFileName(requireText(v.name, 'file name', 1, L.nameMaxChars))
  const mimeType = cleanMimeType(requireText(v.mimeType, 'mime type', 0, L.mimeTypeMaxChars))
  const size = requireUint(v.size, 'file size')
  const share = decodeFileShare(v.shareRecord)
  if (!bytesEqual(share.fileId, transferId) || share.size !== size) {
    throw new ProtocolError('malformed', 'file offer: share record describes another file')
  }
  return { transferId, name, size, mimeType, shareRecord: v.shareRecord, share }
}

/** `min`/`max` in UTF-16 code units (string length), as the client API counts. */
function requireText(value: string, what: string, min: number, max: number): string {
  const chars = value.length
  if (chars < min) throw new ProtocolError('malformed', `${what}: empty`)
  if (chars > max) throw new ProtocolError('limit_exceeded', `${what}: above ${max} characters`)
  // Control characters in a name would let a peer fake line breaks or bidi tricks in the UI.
  if ([...value].some(isControlChar)) {
    throw new ProtocolError('malformed', `${what}: contains control characters`)
  }
  return value
}

function isControlChar(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0
  return c < 0x20 || c === 0x7f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
}

// Control -----------------------------------------------------------------------------------------

export interface FileControlFields {
  transferId: Uint8Array
  action: FileAction
  /** `taken` only: the receiving device whose accept the sender took (its PeerId text). */
  takenBy?: string
}

/** A PeerId's text form: base58btc (the only form libp2p prints for Ed25519 ids). */
const PEER_ID_TEXT = /^[1-9A-HJ-NP-Za-km-z]+$/

export function encodeControl(c: FileControlFields): Uint8Array {
  return FileControl.encode({
    version: FILE_FORMAT_VERSION,
    transferId: c.transferId as Uint8Array<ArrayBuffer>,
    action: FILE_ACTIONS[c.action],
    takenBy: c.action === 'taken' ? (c.takenBy ?? '') : '',
  })
}

export function decodeControl(bytes: unknown): FileControlFields {
  const v = decodeStrict(bytes, L.controlBytes, FileControl, 'file control')
  requireVersion(v.version, FILE_FORMAT_VERSION, 'file control')
  const transferId = requireBytes(v.transferId, 'transfer id', { exact: L.transferIdBytes })
  const action = (Object.keys(FILE_ACTIONS) as FileAction[]).find(
    (k) => FILE_ACTIONS[k] === v.action,
  )
  if (action === undefined) throw new ProtocolError('malformed', 'file control: unknown action')
  if (action !== 'taken') {
    if (v.takenBy !== '') throw new ProtocolError('malformed', 'file control: taken_by unused')
    return { transferId, action }
  }
  if (v.takenBy.length > L.deviceIdChars || !PEER_ID_TEXT.test(v.takenBy)) {
    throw new ProtocolError('malformed', 'file control: taken_by is not a device id')
  }
  return { transferId, action, takenBy: v.takenBy }
}

// Request (first frame on /hestia/file/1.0.0) ----------------------------------------------------

export interface FileRequestFields {
  transferId: Uint8Array
  resumeFrom: number
  proof: Uint8Array
}

/**
 * Capability proof that the requesting device was given the file key (files.md "Request proof"):
 * HMAC-SHA256(HKDF-SHA256(file key, info = requestKey label), domainSeparated(requestProof label,
 * transfer id || resume_from (8 B BE) || UTF-8 PeerId of the requester)). Bound to the requester's
 * PeerId, so a proof seen by anyone else is useless on their own connection.
 */
export function requestProof(
  fileKey: Uint8Array,
  transferId: Uint8Array,
  resumeFrom: number,
  requesterPeerId: string,
): Uint8Array {
  const key = hkdfSha256(fileKey, undefined, utf8(FILE_LABELS.requestKey), 32)
  const at = new Uint8Array(8)
  new DataView(at.buffer).setBigUint64(0, BigInt(resumeFrom))
  return hmacSha256(
    key,
    domainSeparated(FILE_LABELS.requestProof, concatBytes(transferId, at, utf8(requesterPeerId))),
  )
}

/** Constant-time-ish comparison is not needed: a wrong proof only ends this stream. */
export function proofMatches(expected: Uint8Array, got: Uint8Array): boolean {
  return bytesEqual(expected, got)
}

export function encodeRequest(r: FileRequestFields): Uint8Array {
  return FileRequest.encode({
    version: FILE_FORMAT_VERSION,
    transferId: r.transferId as Uint8Array<ArrayBuffer>,
    resumeFrom: BigInt(r.resumeFrom),
    proof: r.proof as Uint8Array<ArrayBuffer>,
  })
}

export function decodeRequest(bytes: unknown): FileRequestFields {
  const v = decodeStrict(bytes, L.requestBytes, FileRequest, 'file request')
  requireVersion(v.version, FILE_FORMAT_VERSION, 'file request')
  return {
    transferId: requireBytes(v.transferId, 'transfer id', { exact: L.transferIdBytes }),
    resumeFrom: requireUint(v.resumeFrom, 'resume_from', { max: C.maxChunks - 1 }),
    proof: requireBytes(v.proof, 'request proof', { exact: L.proofBytes }),
  }
}

// Sender frames -----------------------------------------------------------------------------------

export type SenderFrameFields =
  | { kind: 'start'; header: Uint8Array }
  | { kind: 'chunk'; index: number; data: Uint8Array }
  | { kind: 'stop'; status: number }

export function encodeSenderFrame(f: SenderFrameFields): Uint8Array {
  switch (f.kind) {
    case 'start':
      return SenderFrame.encode({ header: f.header as Uint8Array<ArrayBuffer> })
    case 'chunk':
      return SenderFrame.encode({ index: BigInt(f.index), data: f.data as Uint8Array<ArrayBuffer> })
    case 'stop':
      return SenderFrame.encode({ status: f.status })
  }
}

/**
 * Chunk frames are decoded with decodeCapped, not decodeStrict: re-encoding 16 KiB per chunk only to
 * prove canonical form would cost a copy per chunk, and the chunk bytes are authenticated by the
 * AEAD and the final SHA-256 anyway. Exactly one shape must be present.
 */
export function decodeSenderFrame(bytes: unknown): SenderFrameFields {
  const v = decodeCapped(bytes, L.senderFrameBytes, SenderFrame, 'file sender frame')
  const hasHeader = v.header.length > 0
  const hasData = v.data.length > 0
  if (v.status !== 0) {
    if (hasHeader || hasData) throw new ProtocolError('malformed', 'stop frame carries data')
    return { kind: 'stop', status: v.status }
  }
  if (hasHeader) {
    if (hasData) throw new ProtocolError('malformed', 'start frame carries chunk data')
    return {
      kind: 'start',
      header: requireBytes(v.header, 'file header', { exact: C.headerBytes }),
    }
  }
  const data = requireBytes(v.data, 'chunk', { min: C.tagBytes, max: C.chunkCiphertextBytes })
  return {
    kind: 'chunk',
    index: requireUint(v.index, 'chunk index', { max: C.maxChunks - 1 }),
    data,
  }
}

// Receiver frames ---------------------------------------------------------------------------------

export interface ReceiverFrameFields {
  verified: number
  complete: boolean
  status: number
}

export function encodeReceiverFrame(f: ReceiverFrameFields): Uint8Array {
  return ReceiverFrame.encode({
    verified: BigInt(f.verified),
    complete: f.complete,
    status: f.status,
  })
}

export function decodeReceiverFrame(bytes: unknown): ReceiverFrameFields {
  const v = decodeStrict(bytes, L.receiverFrameBytes, ReceiverFrame, 'file receiver frame')
  return {
    verified: requireUint(v.verified, 'verified chunks', { max: C.maxChunks }),
    complete: v.complete,
    status: v.status,
  }
}

// Mailbox pieces ----------------------------------------------------------------------------------

export interface MailboxPieceFields {
  transferId: Uint8Array
  header: Uint8Array
  firstChunk: number
  /** Whole chunk ciphertexts back to back. */
  data: Uint8Array
}

export function encodeMailboxPiece(p: MailboxPieceFields): Uint8Array {
  return FileMailboxPiece.encode({
    version: FILE_FORMAT_VERSION,
    transferId: p.transferId as Uint8Array<ArrayBuffer>,
    header: p.header as Uint8Array<ArrayBuffer>,
    firstChunk: BigInt(p.firstChunk),
    data: p.data as Uint8Array<ArrayBuffer>,
  })
}

export function decodeMailboxPiece(bytes: unknown): MailboxPieceFields {
  const v = decodeStrict(bytes, L.mailboxPieceBytes, FileMailboxPiece, 'file mailbox piece')
  requireVersion(v.version, FILE_FORMAT_VERSION, 'file mailbox piece')
  return {
    transferId: requireBytes(v.transferId, 'transfer id', { exact: L.transferIdBytes }),
    header: requireBytes(v.header, 'file header', { exact: C.headerBytes }),
    firstChunk: requireUint(v.firstChunk, 'first chunk', { max: C.maxChunks - 1 }),
    data: requireBytes(v.data, 'piece data', {
      min: C.tagBytes,
      max: L.mailboxChunksPerPiece * C.chunkCiphertextBytes,
    }),
  }
}
