/**
 * Loopback admin HTTP port: /health and /metrics and /stats for monitoring (no key: bind it to
 * loopback, which startRelay enforces), and /admin/* for operators, each call authorised by an API
 * key (only SHA-256 hashes stored) and written to the append-only audit log.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { AdminDenials } from './admin-denials.ts'
import type { AuditLog } from './audit-log.ts'
import { checkAdminKey } from './admin-keys.ts'
import type { RelayMetrics } from './metrics.ts'

/** Request bodies are tiny JSON objects. */
export const MAX_ADMIN_BODY_BYTES = 4096

export interface AdminActions {
  stats(): Promise<Record<string, unknown>>
  health(): { ok: boolean; detail: Record<string, unknown> }
  ban(kind: 'peer' | 'ip', value: string): Promise<void>
  unban(kind: 'peer' | 'ip', value: string): boolean
  bans(): { peers: string[]; ips: string[] }
  purge(mailboxIdHex: string): Promise<boolean>
  rotateKey(graceMs?: number): Promise<Record<string, unknown>>
}

export interface AdminServerOptions {
  host: string
  port: number
  keyHashes: () => readonly string[]
  audit: AuditLog
  /** Keyless requests: rate limit and aggregated audit lines. */
  denials: AdminDenials
  metrics: RelayMetrics
  actions: AdminActions
  log: Logger
}

class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? JSON.stringify(body) + '\n' : String(body)
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(text)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req) {
    total += (chunk as Buffer).length
    if (total > MAX_ADMIN_BODY_BYTES) throw new HttpError(413, 'body too large')
    chunks.push(chunk as Buffer)
  }
  if (total === 0) return {}
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
    return v as Record<string, unknown>
  } catch {
    throw new HttpError(400, 'body must be a JSON object')
  }
}

function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined
}

export class AdminServer {
  private server: Server | undefined
  private readonly o: AdminServerOptions

  constructor(options: AdminServerOptions) {
    this.o = options
  }

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500
        if (status === 500) this.o.log.error({ err }, 'admin request failed')
        send(res, status, { error: err instanceof Error ? err.message : 'failed' })
      })
    })
    server.requestTimeout = 10_000
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.o.port, this.o.host, () => resolve())
    })
    return (server.address() as AddressInfo).port
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin')
    const path = url.pathname
    if (req.method === 'GET' && path === '/health') {
      const h = this.o.actions.health()
      return send(res, h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'unhealthy', ...h.detail })
    }
    if (req.method === 'GET' && path === '/metrics') {
      const text = await this.o.metrics.registry.metrics()
      return send(res, 200, text, this.o.metrics.registry.contentType)
    }
    if (req.method === 'GET' && path === '/stats')
      return send(res, 200, await this.o.actions.stats())
    if (!path.startsWith('/admin/')) throw new HttpError(404, 'not found')

    const action = path.slice('/admin/'.length)
    const actor = this.authenticate(req, res, action)
    this.o.metrics.adminActions.inc({ action })
    if (req.method === 'GET' && action === 'bans') return send(res, 200, this.o.actions.bans())
    if (req.method !== 'POST') throw new HttpError(405, 'use POST')
    return this.runAction(res, action, actor, await readJson(req))
  }

  /** The admin key's actor name; a request without a valid key is counted, maybe slowed, refused. */
  private authenticate(req: IncomingMessage, res: ServerResponse, action: string): string {
    const auth = req.headers.authorization ?? ''
    const presented = auth.startsWith('Bearer ') ? auth.slice(7).trim() : ''
    const actor = presented === '' ? undefined : checkAdminKey(presented, this.o.keyHashes())
    if (actor === undefined) {
      const waitMs = this.o.denials.deny(req.socket.remoteAddress ?? 'unknown', action)
      if (waitMs > 0) {
        this.o.metrics.adminDenied.inc({ result: 'rate_limited' })
        res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)))
        throw new HttpError(429, 'too many requests without a valid admin key')
      }
      this.o.metrics.adminDenied.inc({ result: 'denied' })
      throw new HttpError(401, 'missing or unknown admin key (Authorization: Bearer <key>)')
    }
    return actor
  }

  /** A POSTed admin action by an authenticated actor: done, audited, logged, answered. */
  private async runAction(
    res: ServerResponse,
    action: string,
    actor: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    const { actions, audit } = this.o
    switch (action) {
      case 'ban':
      case 'unban': {
        const peer = str(body, 'peer')
        const ip = str(body, 'ip')
        const kind = peer !== undefined ? 'peer' : ip !== undefined ? 'ip' : undefined
        const value = peer ?? ip
        if (kind === undefined || value === undefined)
          throw new HttpError(400, 'give "peer" or "ip"')
        if (action === 'ban') await actions.ban(kind, value)
        else actions.unban(kind, value)
        audit.append({ action, actor, result: 'ok', target: { [kind]: value } })
        this.o.log.info({ action, kind, actor }, 'admin action')
        return send(res, 200, { ok: true })
      }
      case 'purge': {
        const mailbox = str(body, 'mailbox')
        if (mailbox === undefined || !/^[0-9a-f]{64}$/.test(mailbox)) {
          throw new HttpError(400, 'give "mailbox" as 64 hex characters')
        }
        const purged = await actions.purge(mailbox)
        audit.append({
          action,
          actor,
          result: 'ok',
          target: { mailbox },
          detail: purged ? 'purged' : 'not found',
        })
        this.o.log.info({ action, actor, purged }, 'admin action')
        return send(res, 200, { ok: true, purged })
      }
      case 'rotate-key': {
        const graceHours = typeof body.graceHours === 'number' ? body.graceHours : undefined
        try {
          const result = await actions.rotateKey(
            graceHours === undefined ? undefined : graceHours * 3_600_000,
          )
          audit.append({
            action,
            actor,
            result: 'ok',
            target: { nextPeerId: String(result.nextPeerId) },
          })
          this.o.log.info({ action, actor, nextPeerId: result.nextPeerId }, 'admin action')
          return send(res, 200, { ok: true, ...result })
        } catch (err) {
          audit.append({
            action,
            actor,
            result: 'failed',
            detail: err instanceof Error ? err.message : '',
          })
          throw new HttpError(409, err instanceof Error ? err.message : 'rotation failed')
        }
      }
      default:
        throw new HttpError(404, `no admin action ${action}`)
    }
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
