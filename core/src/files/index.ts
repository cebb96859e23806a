/**
 * Direct device-to-device file transfer (issue 7; docs/protocol/files.md): `/hestia/file/1.0.0`,
 * Cobblestone-256 chunks streamed with back-pressure, resumable from the last verified chunk, and
 * the mailbox fallback for small files.
 */
export { FileTransferEngine, type FileEngineDeps, type FileStreamStats } from './engine.ts'
export type {
  FileSink,
  FileSource,
  FileStorage,
  OpenFileStream,
  Sha256Factory,
  Sha256Hasher,
} from './ports.ts'
export {
  FileTransferError,
  FILE_ERROR_CODES,
  isFileTransferError,
  isQuotaError,
  toClientError,
  type FileErrorCode,
} from './errors.ts'
export {
  FILE_PROTOCOL,
  FILE_LIMITS,
  FILE_TIMING,
  FILE_ACTIONS,
  FILE_STATUS,
  FILE_FORMAT_VERSION,
  type FileAction,
} from './limits.ts'
export {
  decodeControl,
  decodeMailboxPiece,
  decodeOffer,
  decodeReceiverFrame,
  decodeRequest,
  decodeSenderFrame,
  encodeControl,
  encodeMailboxPiece,
  encodeOffer,
  encodeReceiverFrame,
  encodeRequest,
  encodeSenderFrame,
  requestProof,
  FILE_LABELS,
  type DecodedOffer,
  type FileOfferFields,
  type FileControlFields,
  type FileRequestFields,
  type SenderFrameFields,
  type ReceiverFrameFields,
  type MailboxPieceFields,
} from './codec.ts'
export { planRoute, mailboxPieces, mailboxPieceCount, type RoutePlan } from './fallback.ts'
export {
  ChunkSealer,
  chunkCount,
  fileHeader,
  fileContext,
  prepareOutgoingFile,
  deriveFileSalt,
  nobleSha256,
} from './sealer.ts'
export { serveFileStream, type ServeResult } from './sender.ts'
export { receiveFile } from './receiver.ts'
