/**
 * Append-only audit log of admin actions (DATA/audit.log, JSON lines, 0600). Opened with O_APPEND and
 * fsynced per entry; the relay never rewrites or truncates it. Entries name the action, its target
 * and the admin key's hash prefix, never a key, payload or capability.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export const AUDIT_LOG_FILE = 'audit.log'

export interface AuditEntry {
  action: string
  actor: string
  result: 'ok' | 'denied' | 'failed'
  target?: Record<string, string | number>
  detail?: string
}

export class AuditLog {
  private readonly fd: number
  private readonly now: () => number

  constructor(dataDir: string, now: () => number = Date.now) {
    this.fd = openSync(join(dataDir, AUDIT_LOG_FILE), 'a', 0o600)
    this.now = now
  }

  append(entry: AuditEntry): void {
    writeSync(
      this.fd,
      JSON.stringify({ time: new Date(this.now()).toISOString(), ...entry }) + '\n',
    )
    fsyncSync(this.fd)
  }

  close(): void {
    closeSync(this.fd)
  }
}
