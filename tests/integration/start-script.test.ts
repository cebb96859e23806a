/**
 * Issue 23: `npm start` runs a development relay that answers on loopback only — its WebSocket
 * listener, its STUN responder (UDP) and its admin port. Runs `scripts/start.ts --skip-build`
 * with a temporary data folder and reads the sockets its process listens on (`ss`, iproute2).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..', '..')

/** Local addresses (host:port) the process listens on, TCP and UDP. */
function listening(pid: number): string[] {
  const out = execFileSync('ss', ['-H', '-lntup'], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => line.trim().split(/\s+/)[4] ?? '')
}

test(
  'npm start binds the relay, STUN and admin to loopback only',
  { timeout: 60_000 },
  async (t) => {
    try {
      execFileSync('ss', ['-V'])
    } catch {
      t.skip('ss (iproute2) is not installed')
      return
    }
    const data = mkdtempSync(join(tmpdir(), 'hestia-start-'))
    const child = spawn(
      process.execPath,
      ['scripts/start.ts', '--skip-build', '--data', data, '--listen', '/ip4/127.0.0.1/tcp/0/ws'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    try {
      let stdout = ''
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      await new Promise<void>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address printed: ${stderr}`)), 30_000)
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString()
          if (stdout.includes('Ctrl-C stops the relay')) {
            clearTimeout(timer)
            resolvePromise()
          }
        })
        child.on('exit', (code) => reject(new Error(`start.ts exited (${code}): ${stderr}`)))
      })
      const sockets = listening(child.pid!)
      console.log(`start.ts listens on: ${sockets.join(', ')}`)
      assert.ok(sockets.length >= 3, 'the relay, STUN and admin sockets are there')
      for (const socket of sockets)
        assert.match(socket, /^(127\.0\.0\.1|\[::1\]):\d+$/, `${socket} is loopback only`)
      assert.match(stdout, /\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW/)
    } finally {
      child.kill('SIGINT')
      await new Promise((r) => child.once('exit', r))
      rmSync(data, { recursive: true, force: true })
    }
  },
)
