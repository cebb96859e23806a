/**
 * How each protocol the relay speaks frames its bytes, for the stream guard (frame-guard.ts): the
 * largest frame its reader accepts and how many frames come before the stream turns to raw bytes.
 */
import { MAILBOX_PROTOCOL, MAX_REQUEST_FRAME_BYTES } from '@hestia/core/mailbox/index.ts'
import type { ProtocolFraming } from './frame-guard.ts'

export const CIRCUIT_HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
export const CIRCUIT_STOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/stop'
export const IDENTIFY_PROTOCOL = '/ipfs/id/1.0.0'
export const IDENTIFY_PUSH_PROTOCOL = '/ipfs/id/push/1.0.0'
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'

/**
 * A hop or stop message is a type, a status, one peer's id and addresses, a reservation voucher and
 * limits: a few hundred bytes from an honest peer. 4 KiB leaves room for many addresses.
 */
export const MAX_CIRCUIT_MESSAGE_BYTES = 4 * 1024
/** @libp2p/identify's own default maxMessageSize (MAX_IDENTIFY_MESSAGE_SIZE). */
export const MAX_IDENTIFY_MESSAGE_BYTES = 8 * 1024

export function relayFraming(): Map<string, ProtocolFraming> {
  return new Map<string, ProtocolFraming>([
    // The mailbox reader caps prefixes itself and answers malformed/oversize before its reset.
    [
      MAILBOX_PROTOCOL,
      { maxFrameBytes: MAX_REQUEST_FRAME_BYTES, frames: Infinity, readerEnforces: true },
    ],
    // One message, then (CONNECT) the relayed bytes, which circuit relay limits on its own.
    [CIRCUIT_HOP_PROTOCOL, { maxFrameBytes: MAX_CIRCUIT_MESSAGE_BYTES, frames: 1 }],
    [CIRCUIT_STOP_PROTOCOL, { maxFrameBytes: MAX_CIRCUIT_MESSAGE_BYTES, frames: 1 }],
    [IDENTIFY_PROTOCOL, { maxFrameBytes: MAX_IDENTIFY_MESSAGE_BYTES, frames: Infinity }],
    [IDENTIFY_PUSH_PROTOCOL, { maxFrameBytes: MAX_IDENTIFY_MESSAGE_BYTES, frames: Infinity }],
    // 32-byte echoes, no length prefix.
    [PING_PROTOCOL, { maxFrameBytes: 0, frames: 0 }],
  ])
}
