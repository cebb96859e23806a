/**
 * What an operator sees from `hestia-relay migrate` and `hestia-relay start --store …`: migrate
 * applies the schema once and says so; start refuses a database without the schema, an unreachable
 * server and a store setting it cannot read, each with one sentence and exit code 2, before it
 * writes anything.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { requirePg, startPgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import type { PgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import { pgTest } from '../../relay-node/test-support/pg-test.ts'
import { PG_SCHEMA_VERSION } from '../../relay-node/src/store/pg-migrate.ts'
import { tempDir } from '../integration/relay-helpers.ts'

const RELAY_BIN = join(import.meta.dirname, '..', '..', 'relay-node', 'bin', 'hestia-relay.js')
const skip = requirePg()
let cluster: PgCluster | undefined

after(async () => {
  await cluster?.destroy()
})

function relay(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [RELAY_BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  })
}

const startArgs = (dataDir: string) => [
  'start',
  '--data',
  dataDir,
  '--listen',
  '/ip4/127.0.0.1/tcp/0/ws',
  '--stun-port',
  '-1',
  '--admin-port',
  '-1',
]

if (skip !== undefined) {
  test('hestia-relay with PostgreSQL', { skip }, () => undefined)
} else {
  describe('hestia-relay with PostgreSQL', () => {
    pgTest('start refuses an unmigrated database; migrate applies the schema once', async () => {
      cluster ??= await startPgCluster()
      const url = await cluster.createDatabase('cli_one')
      const dataDir = tempDir()
      const refused = relay(startArgs(dataDir), { HESTIA_RELAY_STORE: url })
      assert.equal(refused.status, 2, refused.stderr)
      assert.match(refused.stderr, /no relay schema yet; run `hestia-relay migrate/)
      assert.ok(!existsSync(join(dataDir, 'mailboxes.sqlite')), 'no SQLite file was made instead')

      const first = relay(['migrate', '--store', url])
      assert.equal(first.status, 0, first.stderr)
      const all = Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1).join(', ')
      assert.equal(first.stdout, `applied ${all}; schema ${PG_SCHEMA_VERSION}\n`)
      const again = relay(['migrate'], { HESTIA_RELAY_STORE: url })
      assert.equal(again.status, 0, again.stderr)
      assert.equal(again.stdout, `schema ${PG_SCHEMA_VERSION}: already current\n`)
    })

    pgTest(
      'an unreachable server or an unreadable store setting: exit 2, the password not shown',
      () => {
        const dataDir = tempDir()
        const down = relay([
          ...startArgs(dataDir),
          '--store',
          'postgres://relay:s3cret-pw@127.0.0.1:1/hestia',
        ])
        assert.equal(down.status, 2, down.stderr)
        assert.match(
          down.stderr,
          /cannot reach PostgreSQL at postgres:\/\/relay:\*\*\*@127\.0\.0\.1:1/,
        )
        assert.doesNotMatch(down.stderr, /s3cret-pw/)
        const typo = relay([...startArgs(dataDir), '--store', 'postgress://relay:s3cret-pw@h/db'])
        assert.equal(typo.status, 2, typo.stderr)
        assert.match(typo.stderr, /the store must be 'sqlite' or a postgres:/)
        assert.doesNotMatch(typo.stderr, /s3cret-pw/)
        const migrateDown = relay([
          'migrate',
          '--store',
          'postgres://relay:s3cret-pw@127.0.0.1:1/x',
        ])
        assert.equal(migrateDown.status, 2)
        assert.doesNotMatch(migrateDown.stderr, /s3cret-pw/)
      },
    )
  })
}
