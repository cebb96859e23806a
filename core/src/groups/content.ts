/**
 * What a group application message carries (docs/protocol/groups.md "Application content"): one
 * kind byte, then the kind's body. MLS authenticates the whole (the sender's leaf signs it).
 *
 *   0x01 text    UTF-8 text (the rest)
 *   0x02 rename  UTF-8 new group name (the rest), 1..128 UTF-16 code units
 *   0x03 leave   empty: the sender leaves; whoever reads it first commits its removal
 *
 * Strict: an unknown kind, bad UTF-8, a body over its cap or trailing bytes after `leave` are
 * ProtocolError('malformed'), and the message changes nothing.
 */
import { ProtocolError } from '../wire/errors.ts'

export const GROUP_CONTENT_KIND = { text: 1, rename: 2, leave: 3 } as const

export const GROUP_CONTENT_LIMITS = {
  /** UTF-16 code units, as the client API counts them. */
  textMaxChars: 4_000,
  nameMaxChars: 128,
} as const

export type GroupContent =
  { kind: 'text'; text: string } | { kind: 'rename'; name: string } | { kind: 'leave' }

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

export function encodeGroupContent(c: GroupContent): Uint8Array {
  const body = c.kind === 'text' ? c.text : c.kind === 'rename' ? c.name : ''
  const bytes = utf8.encode(body)
  const out = new Uint8Array(1 + bytes.length)
  out[0] = GROUP_CONTENT_KIND[c.kind]
  out.set(bytes, 1)
  return out
}

export function decodeGroupContent(bytes: Uint8Array): GroupContent {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new ProtocolError('malformed', 'empty group content')
  }
  const kind = bytes[0]
  let body: string
  try {
    body = fromUtf8.decode(bytes.subarray(1))
  } catch (err) {
    throw new ProtocolError('malformed', 'group content is not UTF-8', { cause: err })
  }
  if (kind === GROUP_CONTENT_KIND.text) {
    if (body.length === 0 || body.length > GROUP_CONTENT_LIMITS.textMaxChars)
      throw new ProtocolError('malformed', 'group text empty or too long')
    return { kind: 'text', text: body }
  }
  if (kind === GROUP_CONTENT_KIND.rename) {
    if (body.length === 0 || body.length > GROUP_CONTENT_LIMITS.nameMaxChars)
      throw new ProtocolError('malformed', 'group name empty or too long')
    return { kind: 'rename', name: body }
  }
  if (kind === GROUP_CONTENT_KIND.leave) {
    if (bytes.length !== 1) throw new ProtocolError('malformed', 'leave carries no body')
    return { kind: 'leave' }
  }
  throw new ProtocolError('malformed', `unknown group content kind ${String(kind)}`)
}
