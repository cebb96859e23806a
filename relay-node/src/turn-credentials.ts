/**
 * TURN for calls between two symmetric NATs (ADR 0450): the relay hands its clients time-limited
 * credentials for the operator's coturn in the mailbox `info` answer, computed with the secret the
 * two share (coturn `--use-auth-secret --static-auth-secret`, the "TURN REST API" scheme):
 *
 *   username   = the expiry time in Unix seconds (no user id: nothing to link calls by)
 *   credential = base64(HMAC-SHA1(secret, username))
 *
 * coturn recomputes the credential from the username and refuses it after the expiry; the relay
 * keeps no list of users and coturn no database.
 */
import { createHmac } from 'node:crypto'

export interface TurnOptions {
  /** `turn:`/`turns:` URLs clients are given, e.g. turn:relay.example:3479?transport=udp. Empty: no TURN. */
  urls: string[]
  /** The secret shared with coturn (--static-auth-secret). */
  secret: string
  /** How long a credential handed out now stays valid. */
  ttlSeconds: number
}

export interface TurnServerInfo {
  urls: string[]
  username: string
  credential: string
  expiresAtMs: bigint
}

/** Long enough for a long call (coturn checks the credential again on every allocation refresh). */
export const DEFAULT_TURN_TTL_SECONDS = 12 * 3600
/** URLs announced at most (each one is tried during every ICE gathering). */
export const MAX_TURN_URLS = 4
const MIN_SECRET_CHARS = 16
const TURN_URL = /^turns?:[A-Za-z0-9.\-[\]:]+(\?transport=(udp|tcp))?$/

export function defaultTurnOptions(): TurnOptions {
  return { urls: [], secret: '', ttlSeconds: DEFAULT_TURN_TTL_SECONDS }
}

/** What is wrong with the TURN settings, in one sentence, or null when they are usable. */
export function turnOptionsProblem(o: TurnOptions): string | null {
  if (o.urls.length === 0) return null
  if (o.urls.length > MAX_TURN_URLS)
    return `at most ${MAX_TURN_URLS} TURN URLs (got ${o.urls.length})`
  const bad = o.urls.find((u) => !TURN_URL.test(u))
  if (bad !== undefined) return `not a turn:/turns: URL: ${bad}`
  if (o.secret.length < MIN_SECRET_CHARS) {
    return `TURN URLs need the secret shared with coturn (at least ${MIN_SECRET_CHARS} characters)`
  }
  if (!Number.isSafeInteger(o.ttlSeconds) || o.ttlSeconds < 60 || o.ttlSeconds > 7 * 86_400) {
    return `the TURN credential lifetime must be 60 s to 7 days (got ${o.ttlSeconds})`
  }
  return null
}

/** Credentials valid from `nowMs` for `ttlSeconds`; none when no TURN is configured. */
export function turnServers(o: TurnOptions, nowMs: number): TurnServerInfo[] {
  if (o.urls.length === 0) return []
  const expiresS = Math.floor(nowMs / 1000) + o.ttlSeconds
  const username = String(expiresS)
  const credential = createHmac('sha1', o.secret).update(username).digest('base64')
  return [{ urls: [...o.urls], username, credential, expiresAtMs: BigInt(expiresS) * 1000n }]
}

/**
 * TURN settings from the environment (HESTIA_RELAY_TURN_URLS comma-separated,
 * HESTIA_RELAY_TURN_SECRET, HESTIA_RELAY_TURN_TTL_HOURS); unset ones stay undefined so a config
 * file's values stand. The secret is not a flag: flags show in `ps`.
 */
export function turnFromEnv(env: NodeJS.ProcessEnv): Partial<TurnOptions> {
  const hours = env.HESTIA_RELAY_TURN_TTL_HOURS
  return {
    urls: env.HESTIA_RELAY_TURN_URLS?.split(',').filter(Boolean),
    secret: env.HESTIA_RELAY_TURN_SECRET,
    ttlSeconds: hours === undefined ? undefined : Math.round(Number(hours) * 3600),
  }
}
