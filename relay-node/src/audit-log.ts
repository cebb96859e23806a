/**
 * Append-only audit log of admin actions (DATA/audit.log, JSON lines, 0600). Opened with O_APPEND and
 * fsynced per entry; the relay never rewrites an entry. At a size cap the file is rotated: audit.log
 * becomes audit.log.1 (.1 becomes .2, …) and the oldest beyond `keep` files is deleted, so the log
 * cannot fill the disk. Entries name the action, its target and the admin key's hash prefix, never a
 * key, payload or capability.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

export const AUDIT_LOG_FILE = 'audit.log'

export interface AuditEntry {
  action: string
  actor: string
  result: 'ok' | 'denied' | 'failed' | 'rate_limited'
  target?: Record<string, string | number>
  detail?: string
  /** Remote address of the admin request (loopback-only port: which local process). */
  source?: string
  /** Requests this line stands for (aggregated denials). */
  count?: number
}

export interface AuditLogOptions {
  now?: () => number
  /** Rotate once the file would pass this many bytes. */
  maxBytes?: number
  /** Files kept, the current one included (audit.log, audit.log.1 … audit.log.{keep-1}). */
  keep?: number
}

export const DEFAULT_AUDIT_LOG_MAX_BYTES = 16 * 1024 * 1024
export const DEFAULT_AUDIT_LOG_KEEP = 4

export class AuditLog {
  private fd: number
  private size: number
  private readonly path: string
  private readonly now: () => number
  private readonly maxBytes: number
  private readonly keep: number

  constructor(dataDir: string, options: AuditLogOptions = {}) {
    this.path = join(dataDir, AUDIT_LOG_FILE)
    this.now = options.now ?? Date.now
    this.maxBytes = options.maxBytes ?? DEFAULT_AUDIT_LOG_MAX_BYTES
    this.keep = Math.max(1, options.keep ?? DEFAULT_AUDIT_LOG_KEEP)
    this.fd = openSync(this.path, 'a', 0o600)
    this.size = fstatSync(this.fd).size
  }

  append(entry: AuditEntry): void {
    const line = Buffer.from(
      JSON.stringify({ time: new Date(this.now()).toISOString(), ...entry }) + '\n',
    )
    if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate()
    writeSync(this.fd, line)
    fsyncSync(this.fd)
    this.size += line.length
  }

  private rotate(): void {
    closeSync(this.fd)
    const numbered = (i: number) => `${this.path}.${i}`
    if (this.keep === 1) rmSync(this.path, { force: true })
    else {
      rmSync(numbered(this.keep - 1), { force: true })
      for (let i = this.keep - 2; i >= 1; i--) {
        if (existsSync(numbered(i))) renameSync(numbered(i), numbered(i + 1))
      }
      renameSync(this.path, numbered(1))
    }
    this.fd = openSync(this.path, 'a', 0o600)
    this.size = 0
  }

  close(): void {
    closeSync(this.fd)
  }
}
