/**
 * A minimal runtime schema kit for checking plain data that arrives from another context (a
 * runtime port, a BroadcastChannel). Each schema is a function that returns the value, rebuilt
 * from known keys only, or throws InvalidClientMessageError naming the path of the first problem.
 *
 * Schemas are typed against the hand-written API types (`obj<ChatMessage>({...})`): the compiler
 * then insists on one schema per key with a matching type, so api.ts and the validator cannot drift
 * apart silently. Why hand-written instead of a library: docs/adr/0502-client-message-validation.md.
 */

import { ClientApiError } from './api.ts'

/**
 * Thrown for a malformed request, response or event: a ClientApiError (`invalid_request`, so the
 * dispatcher answers it like any other) that also says where the message went wrong.
 */
export class InvalidClientMessageError extends ClientApiError {
  override readonly name: string = 'InvalidClientMessageError'
  override readonly code = 'invalid_request' as const
  /** Where in the message the problem is, e.g. `request.patch.notifications.showNames`. */
  readonly path: string
  /** What is wrong there, e.g. `longer than 64 characters`. */
  readonly problem: string

  constructor(path: string, problem: string) {
    super(
      'invalid_request',
      `${path}: ${problem}. The sender and receiver disagree on the client API; ` +
        'check that both run the same Hestia build.',
    )
    this.path = path
    this.problem = problem
  }
}

export type Schema<T> = (value: unknown, path: string) => T

/** Keys and tags come from the other side: keep them short in error messages. */
function short(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text
}

export function str(maxChars: number, minChars = 0): Schema<string> {
  return (value, path) => {
    if (typeof value !== 'string') throw new InvalidClientMessageError(path, 'expected a string')
    if (value.length > maxChars)
      throw new InvalidClientMessageError(path, `longer than ${maxChars} characters`)
    if (value.length < minChars)
      throw new InvalidClientMessageError(path, `shorter than ${minChars} characters`)
    return value
  }
}

/** A safe integer in [min, max]. */
export function int(min: number, max: number): Schema<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new InvalidClientMessageError(path, 'expected an integer')
    if (value < min || value > max)
      throw new InvalidClientMessageError(path, `outside ${min}..${max}`)
    return value
  }
}

/** A finite number in [min, max]. */
export function num(min: number, max: number): Schema<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new InvalidClientMessageError(path, 'expected a finite number')
    if (value < min || value > max)
      throw new InvalidClientMessageError(path, `outside ${min}..${max}`)
    return value
  }
}

export const bool: Schema<boolean> = (value, path) => {
  if (typeof value !== 'boolean') throw new InvalidClientMessageError(path, 'expected a boolean')
  return value
}

/** One of the given string literals (pass an `as const` list). */
export function oneOf<const L extends readonly string[]>(values: L): Schema<L[number]> {
  const allowed = new Set<string>(values)
  const isMember = (value: unknown): value is L[number] =>
    typeof value === 'string' && allowed.has(value)
  return (value, path) => {
    if (!isMember(value))
      throw new InvalidClientMessageError(path, `expected one of ${values.join(', ')}`)
    return value
  }
}

/** Exactly `true` or exactly `false` (a discriminant such as `ok`). */
export function exactly<const V extends boolean>(flag: V): Schema<V> {
  return (value, path) => {
    if (value !== flag) throw new InvalidClientMessageError(path, `expected ${String(flag)}`)
    return flag
  }
}

export function lit<const V extends string>(literal: V): Schema<V> {
  return oneOf([literal] as const)
}

export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return (value, path) => (value === null ? null : schema(value, path))
}

/** For optional keys: a missing key (or undefined) passes as undefined. */
export function opt<T>(schema: Schema<T>): Schema<T | undefined> {
  return (value, path) => (value === undefined ? undefined : schema(value, path))
}

export function arr<T>(item: Schema<T>, maxItems: number): Schema<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new InvalidClientMessageError(path, 'expected an array')
    if (value.length > maxItems)
      throw new InvalidClientMessageError(path, `more than ${maxItems} items`)
    return value.map((entry, index) => item(entry, `${path}[${index}]`))
  }
}

/**
 * A list whose items are checked one by one: an item that fails is left out and reported to
 * `dropped` (with the reason), instead of failing the whole list. For answers whose items come
 * from peers (conversations, messages, transfers): one bad item must not hide all the others.
 * Items beyond `maxItems` are dropped and reported the same way.
 */
export function tolerantArr<T>(
  item: Schema<T>,
  maxItems: number,
  dropped: (error: InvalidClientMessageError) => void,
): Schema<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new InvalidClientMessageError(path, 'expected an array')
    const out: T[] = []
    value.forEach((entry, index) => {
      const at = `${path}[${index}]`
      if (index >= maxItems) {
        dropped(new InvalidClientMessageError(at, `more than ${maxItems} items`))
        return
      }
      try {
        out.push(item(entry, at))
      } catch (err) {
        if (!(err instanceof InvalidClientMessageError)) throw err
        dropped(err)
      }
    })
    return out
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** One schema per key of T; the compiler checks both completeness and types. */
export type Shape<T> = { [K in keyof T]-?: Schema<T[K]> }

/**
 * A plain object with exactly the keys of `shape` (unknown keys are rejected: both sides ship in
 * the same build, so an unknown key is a bug, not a newer peer).
 */
export function obj<T>(shape: Shape<T>): Schema<T> {
  const keys = Object.keys(shape) as (keyof T & string)[]
  const known = new Set<string>(keys)
  return (value, path) => {
    if (!isPlainObject(value)) throw new InvalidClientMessageError(path, 'expected a plain object')
    // Known keys first, so a wrong discriminant is reported before the keys it would explain.
    const out: Partial<T> = {}
    for (const key of keys) {
      const field = Object.hasOwn(value, key) ? value[key] : undefined
      const checked = shape[key](field, `${path}.${key}`)
      if (checked !== undefined) out[key] = checked
    }
    for (const key of Object.keys(value)) {
      if (!known.has(key))
        throw new InvalidClientMessageError(`${path}.${short(key)}`, 'unknown key')
    }
    return out as T
  }
}

/**
 * A union discriminated by `tag` (e.g. 'type', 'kind'): one object schema per tag value, so
 * an unknown tag is named in the error rather than reported as a mismatch of every variant.
 */
export function tagged<T extends Record<D, string>, D extends keyof T & string>(
  tag: D,
  variants: { [K in T[D]]: Schema<Extract<T, Record<D, K>>> },
): Schema<T> {
  const table = variants as Record<string, Schema<T> | undefined>
  return (value, path) => {
    if (!isPlainObject(value)) throw new InvalidClientMessageError(path, 'expected a plain object')
    const tagValue = value[tag]
    if (typeof tagValue !== 'string')
      throw new InvalidClientMessageError(`${path}.${tag}`, 'expected a string')
    const variant = Object.hasOwn(table, tagValue) ? table[tagValue] : undefined
    if (variant === undefined)
      throw new InvalidClientMessageError(`${path}.${tag}`, `unknown ${tag} "${short(tagValue)}"`)
    return variant(value, path)
  }
}
