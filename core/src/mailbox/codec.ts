/**
 * Request/response codecs with caps. decodeRequest returns one validated request or throws one
 * MailboxError; the relay answers with its code. Field shapes (lengths, counts) are checked here so
 * the relay only does semantics.
 */
import { decodeCapped } from '../wire/decode.ts'
import { isProtocolError } from '../wire/errors.ts'
import {
  AUTH_PUBLIC_KEY_BYTES,
  CAPABILITY_MAX_BYTES,
  CAPABILITY_MIN_BYTES,
  EXPIRY_BUCKETS_S,
  MAILBOX_ID_BYTES,
  MAILBOX_WIRE_VERSION,
  MAX_ACK_IDS,
  MAX_FETCH_LIMIT,
  MAX_ONE_TIME_PREKEY_BYTES,
  MAX_ONE_TIME_PREKEYS_PER_PUBLISH,
  MAX_PREKEY_BUNDLE_BYTES,
  MAX_REQUEST_FRAME_BYTES,
  MAX_RESPONSE_FRAME_BYTES,
  MAX_SEALED_BYTES,
  SEALED_SIZE_BUCKETS,
} from './constants.ts'
import { checkAuthShape } from './auth.ts'
export { ab } from './bytes.ts'
import { MailboxError, isMailboxErrorCode, toMailboxError } from './errors.ts'
import {
  AckRequest,
  CloseRequest,
  CreateRequest,
  FetchRequest,
  PublishPrekeysRequest,
  Request,
  Response,
  SubscribeRequest,
} from './mailbox.pb.js'
import type {
  DepositRequest,
  FetchPrekeysRequest,
  MailboxAuth,
  StoredMessage,
} from './mailbox.pb.js'

export type ParsedRequest =
  | { kind: 'create'; body: CreateRequest; auth: MailboxAuth; signedBody: Uint8Array }
  | { kind: 'deposit'; body: DepositRequest }
  | { kind: 'fetch'; body: FetchRequest; auth: MailboxAuth; signedBody: Uint8Array }
  | { kind: 'ack'; body: AckRequest; auth: MailboxAuth; signedBody: Uint8Array }
  | { kind: 'subscribe'; body: SubscribeRequest; auth: MailboxAuth; signedBody: Uint8Array }
  | {
      kind: 'publishPrekeys'
      body: PublishPrekeysRequest
      auth: MailboxAuth
      signedBody: Uint8Array
    }
  | { kind: 'fetchPrekeys'; body: FetchPrekeysRequest }
  | { kind: 'info' }
  | { kind: 'close'; body: CloseRequest; auth: MailboxAuth; signedBody: Uint8Array }

export type RequestKind = ParsedRequest['kind']

const REQUEST_LIMITS = {
  ack: { ids: MAX_ACK_IDS },
  publishPrekeys: { oneTimePrekeys: MAX_ONE_TIME_PREKEYS_PER_PUBLISH },
}

/** The bytes an auth signature binds for each signed body: the body encoded without its auth. */
export function signedBodyOf(kind: 'create', body: Partial<CreateRequest>): Uint8Array
export function signedBodyOf(kind: 'fetch', body: Partial<FetchRequest>): Uint8Array
export function signedBodyOf(kind: 'ack', body: Partial<AckRequest>): Uint8Array
export function signedBodyOf(kind: 'subscribe', body: Partial<SubscribeRequest>): Uint8Array
export function signedBodyOf(
  kind: 'publishPrekeys',
  body: Partial<PublishPrekeysRequest>,
): Uint8Array
export function signedBodyOf(kind: 'close', body: Partial<CloseRequest>): Uint8Array
export function signedBodyOf(kind: string, body: object): Uint8Array {
  const stripped = { ...body, auth: undefined }
  switch (kind) {
    case 'create':
      return CreateRequest.encode(stripped)
    case 'fetch':
      return FetchRequest.encode(stripped)
    case 'ack':
      return AckRequest.encode(stripped)
    case 'subscribe':
      return SubscribeRequest.encode(stripped)
    case 'publishPrekeys':
      return PublishPrekeysRequest.encode(stripped)
    case 'close':
      return CloseRequest.encode(stripped)
    default:
      throw new TypeError(`no signed body for ${kind}`)
  }
}

function requireLength(value: Uint8Array, what: string, min: number, max: number): void {
  if (value.length > max) throw new MailboxError('oversize', `${what}: longer than ${max} bytes`)
  if (value.length < min) throw new MailboxError('malformed', `${what}: shorter than ${min} bytes`)
}

function checkMailboxId(id: Uint8Array, what: string): void {
  requireLength(id, what, MAILBOX_ID_BYTES, MAILBOX_ID_BYTES)
}

function checkCapability(cap: Uint8Array, what: string): void {
  requireLength(cap, what, CAPABILITY_MIN_BYTES, CAPABILITY_MAX_BYTES)
}

/** Decodes and validates one request frame. Throws MailboxError only. */
export function decodeRequest(frame: Uint8Array): ParsedRequest {
  try {
    return parseRequest(frame)
  } catch (err) {
    throw toMailboxError(err)
  }
}

function parseRequest(frame: Uint8Array): ParsedRequest {
  const req = decodeCapped(
    frame,
    MAX_REQUEST_FRAME_BYTES,
    (b) => Request.decode(b, { limits: REQUEST_LIMITS }),
    'mailbox request',
  )
  if (req.version !== MAILBOX_WIRE_VERSION) {
    throw new MailboxError(
      'unsupported_version',
      `request version ${req.version}; this relay speaks ${MAILBOX_WIRE_VERSION}`,
    )
  }
  const bodies = [
    req.create,
    req.deposit,
    req.fetch,
    req.ack,
    req.subscribe,
    req.publishPrekeys,
    req.fetchPrekeys,
    req.info,
    req.close,
  ].filter((b) => b !== undefined)
  if (bodies.length !== 1)
    throw new MailboxError('malformed', 'exactly one request body must be set')

  return parseBody(req)
}

/** The one body set in `req`, checked field by field. */
function parseBody(req: Request): ParsedRequest {
  if (req.create !== undefined) return parseCreate(req.create)
  if (req.deposit !== undefined) return parseDeposit(req.deposit)
  if (req.fetch !== undefined) {
    const body = req.fetch
    const auth = checkAuthShape(body.auth)
    if (body.limit > MAX_FETCH_LIMIT)
      throw new MailboxError('oversize', `fetch.limit above ${MAX_FETCH_LIMIT}`)
    return { kind: 'fetch', body, auth, signedBody: signedBodyOf('fetch', body) }
  }
  if (req.ack !== undefined) {
    const body = req.ack
    const auth = checkAuthShape(body.auth)
    if (body.ids.length === 0) throw new MailboxError('malformed', 'ack.ids: empty')
    return { kind: 'ack', body, auth, signedBody: signedBodyOf('ack', body) }
  }
  if (req.subscribe !== undefined) {
    const body = req.subscribe
    const auth = checkAuthShape(body.auth)
    return { kind: 'subscribe', body, auth, signedBody: signedBodyOf('subscribe', body) }
  }
  if (req.publishPrekeys !== undefined) return parsePublishPrekeys(req.publishPrekeys)
  if (req.fetchPrekeys !== undefined) {
    const body = req.fetchPrekeys
    checkMailboxId(body.mailboxId, 'fetch_prekeys.mailbox_id')
    checkCapability(body.capability, 'fetch_prekeys.capability')
    return { kind: 'fetchPrekeys', body }
  }
  if (req.close !== undefined) {
    const body = req.close
    const auth = checkAuthShape(body.auth)
    return { kind: 'close', body, auth, signedBody: signedBodyOf('close', body) }
  }
  return { kind: 'info' }
}

function parseCreate(body: CreateRequest): ParsedRequest {
  const auth = checkAuthShape(body.auth)
  requireLength(
    body.authPublicKey,
    'create.auth_public_key',
    AUTH_PUBLIC_KEY_BYTES,
    AUTH_PUBLIC_KEY_BYTES,
  )
  checkCapability(body.capability, 'create.capability')
  // A manage key is optional (ADR 0137): none, or one Ed25519 key.
  if (body.managePublicKey.length > 0)
    requireLength(
      body.managePublicKey,
      'create.manage_public_key',
      AUTH_PUBLIC_KEY_BYTES,
      AUTH_PUBLIC_KEY_BYTES,
    )
  return { kind: 'create', body, auth, signedBody: signedBodyOf('create', body) }
}

function parseDeposit(body: DepositRequest): ParsedRequest {
  checkMailboxId(body.mailboxId, 'deposit.mailbox_id')
  checkCapability(body.capability, 'deposit.capability')
  requireLength(body.sealed, 'deposit.sealed', 1, MAX_SEALED_BYTES)
  if (!(SEALED_SIZE_BUCKETS as readonly number[]).includes(body.sealed.length)) {
    throw new MailboxError(
      'malformed',
      `deposit.sealed: ${body.sealed.length} bytes is not a padded size bucket (${SEALED_SIZE_BUCKETS.join(', ')})`,
    )
  }
  if (!(EXPIRY_BUCKETS_S as readonly number[]).includes(body.expiryS)) {
    throw new MailboxError(
      'bad_expiry',
      `deposit.expiry_s must be one of ${EXPIRY_BUCKETS_S.join(', ')}`,
    )
  }
  return { kind: 'deposit', body }
}

function parsePublishPrekeys(body: PublishPrekeysRequest): ParsedRequest {
  const auth = checkAuthShape(body.auth)
  requireLength(body.signedBundle, 'publish_prekeys.signed_bundle', 1, MAX_PREKEY_BUNDLE_BYTES)
  for (const otk of body.oneTimePrekeys) {
    requireLength(otk, 'publish_prekeys.one_time_prekey', 1, MAX_ONE_TIME_PREKEY_BYTES)
  }
  return { kind: 'publishPrekeys', body, auth, signedBody: signedBodyOf('publishPrekeys', body) }
}

export function encodeRequest(req: Partial<Request>): Uint8Array {
  return Request.encode({ ...req, version: MAILBOX_WIRE_VERSION })
}

export type ResponseFields = Partial<Omit<Response, 'version' | 'error' | 'errorMessage'>>

export function encodeResponse(fields: ResponseFields): Uint8Array {
  return Response.encode({ ...fields, version: MAILBOX_WIRE_VERSION })
}

export function encodeErrorResponse(err: MailboxError): Uint8Array {
  return Response.encode({
    version: MAILBOX_WIRE_VERSION,
    error: err.code,
    errorMessage: err.message.slice(0, 512),
    retryAfterMs: err.retryAfterMs,
    depositId: err.nextId ?? 0n,
  })
}

export function encodePush(message: StoredMessage): Uint8Array {
  return Response.encode({ version: MAILBOX_WIRE_VERSION, push: message })
}

/** Client side: decodes a response frame; throws MailboxError for an error response or bad bytes. */
export function decodeResponse(input: Uint8Array): Response {
  // A plain Uint8Array view (not a Node Buffer subclass), so callers see the same type everywhere.
  const frame = new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
  let res: Response
  try {
    res = decodeCapped(
      frame,
      MAX_RESPONSE_FRAME_BYTES,
      (b) => Response.decode(b, { limits: { messages: MAX_FETCH_LIMIT } }),
      'mailbox response',
    )
  } catch (err) {
    if (isProtocolError(err)) throw toMailboxError(err)
    throw err
  }
  if (res.version !== MAILBOX_WIRE_VERSION) {
    throw new MailboxError('unsupported_version', `relay answered with version ${res.version}`)
  }
  if (res.error !== '') {
    const code = isMailboxErrorCode(res.error) ? res.error : 'internal'
    throw new MailboxError(code, res.errorMessage || undefined, {
      retryAfterMs: res.retryAfterMs,
      ...(code === 'sequence_moved' ? { nextId: res.depositId } : {}),
    })
  }
  return res
}
