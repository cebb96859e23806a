/**
 * A test whose private PostgreSQL cluster goes away under it (its server killed by something other
 * than the test) fails at once with a message that says so, instead of waiting for answers that
 * never come. Own file: a loss is remembered for the rest of the process.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import {
  PgClusterLostError,
  requirePg,
  startPgCluster,
  whileClusterAlive,
} from '../../relay-node/test-support/pg-cluster.ts'
import type { PgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import { PgMailboxStore } from '../../relay-node/src/store/postgres-store.ts'
import { migratePg } from '../../relay-node/src/store/pg-migrate.ts'

const skip = requirePg()
let cluster: PgCluster | undefined

after(async () => {
  await cluster?.destroy()
})

test(
  'a cluster killed under a waiting test: the wait ends within seconds with PgClusterLostError',
  { skip, timeout: 60_000 },
  async () => {
    cluster = await startPgCluster()
    const url = await cluster.createDatabase('loss')
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    await migratePg(c)
    await c.end()
    const store = await PgMailboxStore.open({ url, onConnectionError: () => undefined })
    // A stand-in for a test waiting on something only a live database would bring (a push, a
    // deposit's answer): it never resolves by itself.
    const waiting = whileClusterAlive(() => new Promise<void>(() => undefined))
    const postmaster = Number(
      readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    )
    const killedAt = performance.now()
    process.kill(postmaster, 'SIGKILL')
    await assert.rejects(waiting, (err: unknown) => {
      assert.ok(err instanceof PgClusterLostError, String(err))
      assert.match(err.message, /went away/)
      assert.match(err.message, new RegExp(`port ${cluster!.port}`))
      return true
    })
    assert.ok(performance.now() - killedAt < 10_000, 'reported within seconds')
    // Later bodies and calls on the cluster fail at once, naming the loss.
    await assert.rejects(
      whileClusterAlive(() => Promise.resolve()),
      PgClusterLostError,
    )
    await assert.rejects(cluster.createDatabase('after_loss'), PgClusterLostError)
    await store.close().catch(() => undefined)
  },
)

test(
  'a cluster the test stops and restarts itself is not reported lost',
  { skip, timeout: 60_000 },
  async () => {
    // A fresh process state is needed to see no loss: checked in a child process.
    const { spawnSync } = await import('node:child_process')
    const script = `
      import { startPgCluster, whileClusterAlive } from ${JSON.stringify(join(import.meta.dirname, '../../relay-node/test-support/pg-cluster.ts'))}
      const c = await startPgCluster()
      await whileClusterAlive(async () => {
        await c.restart()
        await c.stop()
        await c.start()
        await c.createDatabase('still_fine')
      })
      await c.destroy()
      console.log('ok')
    `
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 50_000,
    })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /ok/)
    assert.doesNotMatch(r.stderr, /went away/)
  },
)
