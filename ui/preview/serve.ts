// Serves the built fixture preview (and axe-core, for the accessibility checks) on 127.0.0.1.
// A same-origin http:// page is a secure context (camera API) and keeps the strict page CSP.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { extname, join, normalize } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
}

export interface PreviewServer {
  /** e.g. http://127.0.0.1:41234/ */
  readonly url: string
  close(): Promise<void>
}

export async function servePreview(dir: string): Promise<PreviewServer> {
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    const file =
      path === '/axe.min.js'
        ? axePath
        : join(dir, normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, ''))
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        })
        response.end(body)
      },
      () => {
        response.writeHead(404)
        response.end()
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('No port for the preview')
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
