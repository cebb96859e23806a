/**
 * No plaintext and no secrets in PostgreSQL: the relay-privacy check (tests/integration/
 * relay-privacy.test.ts) with the relay on the PostgreSQL store. Messages with marker strings are
 * sealed with the real client encryption and deposited, half fetched and acked; the markers,
 * capability tokens and mailbox keys appear nowhere in the cluster's files (tables, WAL,
 * notification queue) or the relay's log, after a checkpoint wrote every page.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { createMailboxKeys, systemRandom } from '@hestia/core/crypto/index.ts'
import { newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { startRelay } from '@hestia/relay-node'
import { requirePg, startPgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import type { PgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import { pgTest } from '../../relay-node/test-support/pg-test.ts'
import { migratePg } from '../../relay-node/src/store/pg-migrate.ts'
import { mailboxClientFor, startClientNode, tempDir } from '../integration/relay-helpers.ts'
import { depositMarkers, occurrences } from '../integration/support/sealed-markers.ts'

const MESSAGES = 40
const skip = requirePg()
let cluster: PgCluster | undefined

after(async () => {
  await cluster?.destroy()
})

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

if (skip !== undefined) {
  test('relay on PostgreSQL keeps no plaintext or secrets', { skip }, () => undefined)
} else {
  pgTest(
    'relay on PostgreSQL: marker plaintexts, capability tokens and mailbox keys reach no database file or log',
    async () => {
      cluster = await startPgCluster()
      const admin = new pg.Client({ connectionString: cluster.url })
      await admin.connect()
      const logFile = join(tempDir(), 'relay.log')
      await migratePg(admin)
      const relay = await startRelay({
        dataDir: tempDir(),
        store: cluster.url,
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        stunPort: -1,
        adminPort: -1,
        logLevel: 'trace',
        logDestination: logFile,
      })
      const node = await startClientNode()
      const mailboxKeys = createMailboxKeys(systemRandom)
      const box = newMailboxCredentials()
      try {
        const client = mailboxClientFor(node, relay.multiaddrs[0]!)
        await client.create(box)
        const pushed: number[] = []
        const sub = await client.subscribe(box, (m) => pushed.push(Number(m.id)))
        const secrets = await depositMarkers(client, box, mailboxKeys, MESSAGES)
        await sub.close()
        assert.ok(pushed.length > 0, 'deposits went through the notification path too')
        // Every page on disk: heap, indexes, TOAST, WAL.
        await admin.query('CHECKPOINT')
        const files = filesUnder(join(cluster.dir, 'data'))
        assert.ok(
          files.some((f) => f.includes('pg_wal')),
          'the WAL is among the files read',
        )
        const found = files.flatMap((f) =>
          occurrences(readFileSync(f), secrets).map((name) => `${name} in ${f}`),
        )
        assert.deepEqual(found, [])
        // The scan does read the tables: the mailbox id, which is stored, is found.
        assert.ok(
          files.some((f) => readFileSync(f).includes(Buffer.from(box.mailboxId))),
          'the stored mailbox id is found in the files read',
        )
        const log = readFileSync(logFile)
        assert.deepEqual(occurrences(log, secrets), [])
        assert.match(log.toString(), /relay started/)
      } finally {
        await node.stop()
        await relay.stop()
        await admin.end()
      }
    },
  )
}
