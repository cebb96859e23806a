// A tiny static HTTP server on 127.0.0.1 for benchmark pages. Pages need a real origin (not
// about:blank) for WebRTC, workers and storage; in-memory routes keep the pages next to the suite
// code that drives them.
//
//   const server = await startStaticServer({ routes: { '/echo.html': '<!doctype html>...' } })
//   await page.goto(server.url('/echo.html')); ...; await server.close()

import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
}

export interface StaticServerOptions {
  /** In-memory pages by path ("/echo.html"); checked before `root`. */
  routes?: Readonly<Record<string, string | Uint8Array>>
  /** Directory served for paths that are not routes; nothing outside it is reachable. */
  root?: string
  /**
   * Serve with COOP/COEP so pages are cross-origin isolated (default true): only then does
   * performance.now() resolve to ~5 µs instead of 100 µs, which sub-millisecond RTTs need.
   */
  crossOriginIsolated?: boolean
}

export interface StaticServer {
  /** http://127.0.0.1:PORT */
  origin: string
  url(path: string): string
  close(): Promise<void>
}

function contentType(path: string): string {
  return CONTENT_TYPES[extname(path)] ?? 'application/octet-stream'
}

const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
} as const

async function serveFile(
  root: string,
  path: string,
  response: ServerResponse,
  headers: Readonly<Record<string, string>>,
): Promise<boolean> {
  const file = normalize(join(root, path))
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return false
  const info = await stat(file).catch(() => undefined)
  if (info === undefined || !info.isFile()) return false
  response.writeHead(200, {
    ...headers,
    'content-type': contentType(file),
    'content-length': info.size,
  })
  createReadStream(file).pipe(response)
  return true
}

/** Starts the server on 127.0.0.1 with a free port. */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const routes = options.routes ?? {}
  const root = options.root === undefined ? undefined : normalize(options.root)
  const headers = options.crossOriginIsolated === false ? {} : ISOLATION_HEADERS
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)
    const body = routes[path]
    if (body !== undefined) {
      response.writeHead(200, {
        ...headers,
        'content-type': contentType(path),
        'cache-control': 'no-store',
      })
      response.end(body)
      return
    }
    if (root !== undefined && (await serveFile(root, path, response, headers))) return
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`)
  }
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    url: (path) => new URL(path, origin).href,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
