/**
 * No plaintext at the relay: messages with known marker strings are sealed with the real client
 * encryption (core/src/crypto sealForMailbox, HPKE to the mailbox key) and deposited; the markers
 * appear nowhere in the relay's database files or logs, and neither do capability tokens or keys.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  createMailboxKeys,
  openSealed,
  sealForMailbox,
  systemRandom,
} from '@hestia/core/crypto/index.ts'
import { depositAddressOf, newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { startRelay } from '@hestia/relay-node'
import { mailboxClientFor, startClientNode, tempDir } from './relay-helpers.ts'

const MESSAGES = 40

function occurrences(haystack: Buffer, needles: Array<{ name: string; bytes: Buffer }>): string[] {
  return needles.filter((n) => haystack.includes(n.bytes)).map((n) => n.name)
}

/** Every form a secret could take in a file: raw bytes, hex, base64, base64url. */
function forms(name: string, bytes: Uint8Array): Array<{ name: string; bytes: Buffer }> {
  const b = Buffer.from(bytes)
  return [
    { name: `${name} (raw)`, bytes: b },
    { name: `${name} (hex)`, bytes: Buffer.from(b.toString('hex')) },
    { name: `${name} (base64)`, bytes: Buffer.from(b.toString('base64').replace(/=+$/, '')) },
    { name: `${name} (base64url)`, bytes: Buffer.from(b.toString('base64url')) },
  ]
}

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
  const markers: string[] = []
  try {
    const client = mailboxClientFor(node, relay.multiaddrs[0]!)
    await client.create(box)
    for (let i = 0; i < MESSAGES; i++) {
      const marker = `HESTIA-PLAINTEXT-MARKER-${i}-${'x'.repeat(i * 50)}-END`
      markers.push(marker)
      const sealed = await sealForMailbox(mailboxKeys.publicKey, new TextEncoder().encode(marker))
      await client.deposit(depositAddressOf(box), sealed)
    }
    // Half fetched and acked (deleted), half still stored: both paths are checked.
    const { messages } = await client.fetch(box, MESSAGES / 2)
    const opened = await Promise.all(
      messages.map((m) => openSealed(mailboxKeys.secretKey, m.sealed)),
    )
    assert.deepEqual(
      opened.map((p) => new TextDecoder().decode(p)),
      markers.slice(0, MESSAGES / 2),
      'the recipient can read them',
    )
    await client.ack(
      box,
      messages.map((m) => m.id),
    )

    const secrets = [
      ...markers.map((m, i) => ({ name: `marker ${i}`, bytes: Buffer.from(m) })),
      { name: 'marker prefix', bytes: Buffer.from('HESTIA-PLAINTEXT-MARKER') },
      ...forms('capability', box.capability),
      ...forms('mailbox auth secret key', box.authSecretKey),
      ...forms('mailbox X25519 secret key', mailboxKeys.secretKey),
    ]
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
