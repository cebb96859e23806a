/**
 * File transfers (issue 7): states, routes, progress, staged files.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import type { ConversationId, MessageId, Timestamp, TransferId } from './scalars.ts'
import type { ClientErrorBody } from './errors.ts'
import type { MessageDirection } from './contacts.ts'

/**
 * offered: waiting for the receiver to accept (both sides see it)
 * waiting: accepted but no route yet (too large for the mailbox, peer offline)
 * transferring, paused, verifying (final ciphertext hash check), completed
 * declined, cancelled, failed: final
 */
export const TRANSFER_STATES = [
  /** The sender encrypts the file once to learn its checksum; the offer goes out after. */
  'preparing',
  'offered',
  'waiting',
  'transferring',
  'paused',
  'verifying',
  'completed',
  'declined',
  'cancelled',
  'failed',
  /** Another device of ours accepted this file and received it (issue 19); see `takenBy`. */
  'elsewhere',
] as const
export type TransferState = (typeof TRANSFER_STATES)[number]

export const TRANSFER_ROUTES = ['direct', 'mailbox'] as const
export type TransferRoute = (typeof TRANSFER_ROUTES)[number]

export interface TransferProgress {
  /** Bytes transferred and verified so far. */
  bytes: number
  total: number
  /** Smoothed rate in bytes/s (0 when not transferring). */
  rateBytesPerSec: number
  /** Estimated seconds left, null when unknown (paused, no rate yet). */
  etaSeconds: number | null
}

export interface FileTransfer {
  transferId: TransferId
  conversationId: ConversationId
  /** The chat message that shows this file. */
  messageId: MessageId
  direction: MessageDirection
  name: string
  size: number
  mimeType: string
  state: TransferState
  route: TransferRoute | null
  progress: TransferProgress
  /** Why it failed (`storage_full`, `too_large`, `peer_unreachable`, …), else null. */
  error: ClientErrorBody | null
  updatedAt: Timestamp
  /** State `elsewhere`: the name of our device that accepted the file. */
  takenBy?: string
  /** State `declined` on another device of ours (issue 19, ADR 0787): that device's name. */
  declinedOn?: string
}

/**
 * A file the UI has handed to the host before offering it. The bytes never cross the client API:
 * the page that picked the File stages it with the host (a same-origin store, see the file
 * transfer issue) and passes the staging id here.
 */
export interface StagedFile {
  stagedFileId: string
  name: string
  size: number
  mimeType: string
}
