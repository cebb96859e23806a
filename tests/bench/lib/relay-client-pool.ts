// Many reserved relay clients for relay.rss_per_client_MiB, spread over child processes (one
// Node process holds 1,000 libp2p clients comfortably; 10,000 need several). Each child is
// tools/relay-clients-worker.ts.
//
//   const pool = await startClientPool(relayAddr, 10_000, { perProcess: 1000, log })
//   pool.reserved          // clients holding a reservation
//   await pool.close()

import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const WORKER = fileURLToPath(new URL('../tools/relay-clients-worker.ts', import.meta.url))
/** Starting 1,000 clients and their reservations on a loaded 2-core machine. */
const WORKER_READY_MS = 600_000

export interface ClientPool {
  reserved: number
  close(): Promise<void>
}

interface Worker {
  child: ChildProcess
  exited: Promise<void>
}

function startWorker(
  relayAddr: string,
  count: number,
  log: (line: string) => void,
): { worker: Worker; ready: Promise<number> } {
  const child = spawn(process.execPath, [WORKER, relayAddr, String(count)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`client worker not ready in ${WORKER_READY_MS} ms: ${err}`)),
      WORKER_READY_MS,
    )
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line === undefined) return
      clearTimeout(timer)
      const report = JSON.parse(line) as {
        reserved: number
        failedStarts: number
        notStarted: number
      }
      if (report.failedStarts > 0) log(`  relay rss: ${report.failedStarts} client starts retried`)
      if (report.notStarted > 0)
        log(`  relay rss: ${report.notStarted} clients not started within the worker's budget`)
      resolve(report.reserved)
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`client worker exited before it was ready: ${err.slice(-2000)}`))
    })
  })
  return { worker: { child, exited }, ready }
}

export async function startClientPool(
  relayAddr: string,
  clients: number,
  {
    perProcess,
    budgetMs,
    log,
  }: {
    perProcess: number
    /** No further process is started after this long; the figure is for what was reached. */
    budgetMs?: number
    log: (line: string) => void
  },
): Promise<ClientPool> {
  const workers: Worker[] = []
  const close = async (): Promise<void> => {
    for (const w of workers) w.child.kill('SIGTERM')
    await Promise.all(workers.map((w) => w.exited))
  }
  const until = budgetMs === undefined ? Infinity : Date.now() + budgetMs
  try {
    let reserved = 0
    // One worker at a time: the relay admits the handshakes of one batch of 25 at a time anyway,
    // and the machine has two cores. Five at once were tried on the loaded machine (load ~30):
    // 363 of 10,000 reserved, the rest missed the relay's 60 s handshake deadline.
    for (let start = 0; start < clients; start += perProcess) {
      if (Date.now() > until) {
        log(`  relay rss: time budget spent; ${clients - start} clients not started`)
        break
      }
      const { worker, ready } = startWorker(relayAddr, Math.min(perProcess, clients - start), log)
      workers.push(worker)
      reserved += await ready
      log(`  relay rss: ${reserved}/${clients} clients reserved (${workers.length} processes)`)
    }
    return { reserved, close }
  } catch (error) {
    await close()
    throw error
  }
}
