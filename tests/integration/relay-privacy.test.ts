/**
 * No plaintext at the relay: messages with known marker strings are sealed with the real client
 * encryption (core/src/crypto sealForMailbox, HPKE to the mailbox key) and deposited; the markers
 * appear nowhere in the relay's database files or logs, and neither do capability tokens or keys.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createMailboxKeys, systemRandom } from '@hestia/core/crypto/index.ts'
import { newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { startRelay } from '@hestia/relay-node'
import { mailboxClientFor, startClientNode, tempDir } from './relay-helpers.ts'
import { depositMarkers, occurrences } from './support/sealed-markers.ts'

const MESSAGES = 40

void test('marker plaintexts, capability tokens and mailbox keys never reach the relay disk or logs', async () => {
  const dataDir = tempDir()
  const logFile = join(tempDir(), 'relay.log')
  const relay = await startRelay({
    dataDir,
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
    // Half fetched and acked (deleted), half still stored: both paths are checked.
    const secrets = await depositMarkers(client, box, mailboxKeys, MESSAGES)
    const check = (when: string) => {
      const files = readdirSync(dataDir).filter((f) => f.startsWith('mailboxes.sqlite'))
      assert.ok(files.length >= 1)
      for (const f of files) {
        assert.deepEqual(occurrences(readFileSync(join(dataDir, f)), secrets), [], `${f} ${when}`)
      }
      assert.deepEqual(occurrences(readFileSync(logFile), secrets), [], `log ${when}`)
    }
    check('while running (WAL included)')
    // The relay logged something, so the log check is not vacuous.
    assert.match(readFileSync(logFile, 'utf8'), /relay started/)
    await node.stop()
    await relay.stop()
    check('after shutdown')
  } finally {
    await node.stop()
    await relay.stop()
  }
})
