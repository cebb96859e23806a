/**
 * Admin API keys: only their SHA-256 hashes are stored (DATA/admin-keys, one hex hash per line, 0600),
 * as the Aria seed does for API keys. The key itself is shown once, when it is created.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const ADMIN_KEYS_FILE = 'admin-keys'
const KEY_PREFIX = 'hestia_admin_'

export function hashAdminKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export function createAdminKey(dataDir: string): { key: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url')
  const hash = hashAdminKey(key)
  appendFileSync(join(dataDir, ADMIN_KEYS_FILE), hash + '\n', { mode: 0o600 })
  return { key, hash }
}

export function loadAdminKeyHashes(dataDir: string, extra: readonly string[] = []): string[] {
  const path = join(dataDir, ADMIN_KEYS_FILE)
  const fromFile = existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^[0-9a-f]{64}$/.test(l))
    : []
  return [...fromFile, ...extra.map((h) => h.toLowerCase())]
}

/** Returns a short id of the matching key's hash (for the audit log), or undefined. */
export function checkAdminKey(presented: string, hashes: readonly string[]): string | undefined {
  const h = Buffer.from(hashAdminKey(presented), 'hex')
  let match: string | undefined
  for (const stored of hashes) {
    const s = Buffer.from(stored, 'hex')
    if (s.length === h.length && timingSafeEqual(s, h)) match = stored.slice(0, 12)
  }
  return match
}
