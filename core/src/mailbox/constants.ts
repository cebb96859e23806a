/**
 * Mailbox protocol constants (docs/protocol/mailbox.md). Every length and count a peer controls has a
 * named cap here, shared by the client and the relay so the two cannot drift apart.
 */
import {
  KiB,
  MAX_SEALED_BYTES as MAX_SEALED_ENVELOPE_BYTES,
  SEALED_SIZE_BUCKETS as SEALED_ENVELOPE_BUCKETS,
} from '../wire/caps.ts'

export const MAILBOX_PROTOCOL = '/hestia/mailbox/1.0.0'
export const MAILBOX_WIRE_VERSION = 1

/** Signature domain label for every mailbox-key signature (create, fetch, ack, subscribe, publish). */
export const MAILBOX_AUTH_LABEL = 'hestia/v1/mailbox-fetch'
/** Hash label the relay applies to capability tokens before storing them. */
export const MAILBOX_CAPABILITY_LABEL = 'hestia/v1/mailbox-capability'
/** Hash label for the request body bound into an auth signature. */
export const MAILBOX_BODY_LABEL = 'hestia/v1/mailbox-body'

export const MAILBOX_ID_BYTES = 32
export const AUTH_PUBLIC_KEY_BYTES = 32
export const AUTH_SIGNATURE_BYTES = 64
export const AUTH_NONCE_BYTES = 16
export const CAPABILITY_MIN_BYTES = 16
export const CAPABILITY_MAX_BYTES = 64

/** Signed timestamps outside now ± this window are rejected (the Aria seed's request signing). */
export const AUTH_WINDOW_MS = 5 * 60 * 1000

/**
 * Sealed payloads are opaque to the relay, but their length must be one of the padded size buckets
 * of core/src/wire/caps.ts (HPKE overhead included), so a client that forgot to pad cannot leak a
 * message length through the relay. The largest bucket is the cap.
 */
export const SEALED_SIZE_BUCKETS = SEALED_ENVELOPE_BUCKETS
export const MAX_SEALED_BYTES = MAX_SEALED_ENVELOPE_BYTES

/** Allowed message lifetimes. A bucket, not a free number, so the lifetime does not tag a sender. */
export const EXPIRY_BUCKETS_S = [3600, 86_400, 7 * 86_400, 14 * 86_400] as const
export const DEFAULT_EXPIRY_S = 14 * 86_400

/** Prekey bundle caps: opaque signed bytes plus one-time prekeys, each handed out at most once. */
export const MAX_PREKEY_BUNDLE_BYTES = 8 * KiB
export const MAX_ONE_TIME_PREKEY_BYTES = 2 * KiB
export const MAX_ONE_TIME_PREKEYS_PER_PUBLISH = 50
export const MAX_ONE_TIME_PREKEYS_STORED = 200

/** Fetch and ack batch caps. */
export const MAX_FETCH_LIMIT = 64
export const MAX_ACK_IDS = 256
/** A fetch response stops adding messages once it holds this many sealed bytes. */
export const MAX_FETCH_RESPONSE_SEALED_BYTES = 512 * KiB

/** Frame caps (checked on the varint length prefix, before the body is buffered). */
export const MAX_PUBLISH_BODY_BYTES =
  MAX_PREKEY_BUNDLE_BYTES + MAX_ONE_TIME_PREKEYS_PER_PUBLISH * (MAX_ONE_TIME_PREKEY_BYTES + 4)
export const MAX_REQUEST_FRAME_BYTES = Math.max(MAX_SEALED_BYTES, MAX_PUBLISH_BODY_BYTES) + 1 * KiB
export const MAX_RESPONSE_FRAME_BYTES =
  MAX_FETCH_RESPONSE_SEALED_BYTES + MAX_SEALED_BYTES + MAX_FETCH_LIMIT * 32 + 16 * KiB

/**
 * Requests one stream carries: the relay closes a stream after this many, so the client retires a
 * pooled stream once it has carried them (it never sends one the relay will not read).
 */
export const MAX_REQUESTS_PER_MAILBOX_STREAM = 1024

/** Strings the relay reports back (error messages, multiaddrs). */
export const MAX_ERROR_MESSAGE_CHARS = 512
export const MAX_RELAY_MULTIADDRS = 16
