/**
 * Crash safety: kill -9 the relay process in the middle of a burst of deposits, restart it on the
 * same data directory, and check that every deposit the relay acknowledged is delivered, once.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { depositAddressOf, newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { mailboxClientFor, spawnRelay, startClientNode, tempDir } from './relay-helpers.ts'

const BURST_WORKERS = 16
const KILL_AFTER_ACKS = 400

void test('kill -9 during a deposit burst loses no acknowledged deposit and duplicates none', async () => {
  const dataDir = tempDir()
  const config = join(dataDir, '..', `${join(dataDir).split('/').pop()}-config.json`)
  // The burst comes from one peer: lift the per-peer deposit limit for this test.
  writeFileSync(
    config,
    JSON.stringify({
      mailbox: {
        rate: {
          depositPerPeer: { perSecond: 100_000, burst: 100_000 },
          depositPerIp: { perSecond: 100_000, burst: 100_000 },
        },
      },
    }),
  )
  const args = [
    '--data',
    dataDir,
    '--config',
    config,
    '--listen',
    '/ip4/127.0.0.1/tcp/0/ws',
    '--stun-port',
    '-1',
    '--admin-port',
    '-1',
  ]
  const first = await spawnRelay(args)
  const peerId = first.multiaddrs[0]!.split('/p2p/')[1]
  const node = await startClientNode()
  const acked = new Set<string>()
  let attempted = 0
  try {
    const client = mailboxClientFor(node, first.multiaddrs[0]!, { timeoutMs: 5_000 })
    const box = newMailboxCredentials()
    await client.create(box)
    const to = depositAddressOf(box)

    let killed = false
    const worker = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const sealed = new Uint8Array(1024)
        const tag = `${w}:${i}`
        sealed.set(new TextEncoder().encode(tag))
        attempted++
        try {
          await client.deposit(to, sealed)
          acked.add(tag)
          if (acked.size >= KILL_AFTER_ACKS && !killed) {
            killed = true
            first.child.kill('SIGKILL')
          }
        } catch {
          return // the relay is gone: this deposit was never acknowledged
        }
      }
    }
    await Promise.all(Array.from({ length: BURST_WORKERS }, (_, w) => worker(w)))
    assert.equal(await first.exited, 'SIGKILL')
    assert.ok(attempted > acked.size, 'some deposits were in flight when the relay died')

    const second = await spawnRelay(args)
    try {
      assert.equal(second.multiaddrs[0]!.split('/p2p/')[1], peerId, 'same identity after restart')
      const again = mailboxClientFor(node, second.multiaddrs[0]!)
      const delivered: string[] = []
      await again.drain(box, (batch) => {
        for (const m of batch) {
          const end = m.sealed.indexOf(0)
          delivered.push(new TextDecoder().decode(m.sealed.subarray(0, end)))
        }
      })
      const unique = new Set(delivered)
      assert.equal(unique.size, delivered.length, 'no deposit is stored twice')
      const lost = [...acked].filter((t) => !unique.has(t))
      assert.deepEqual(lost, [], 'every acknowledged deposit survived the crash')
      // Per worker, what arrived is in the order it was sent.
      for (let w = 0; w < BURST_WORKERS; w++) {
        const seq = delivered
          .filter((t) => t.startsWith(`${w}:`))
          .map((t) => Number(t.split(':')[1]))
        assert.deepEqual(
          seq,
          [...seq].sort((a, b) => a - b),
        )
      }
    } finally {
      second.child.kill('SIGTERM')
      assert.equal(await second.exited, 0, 'SIGTERM stops the relay cleanly')
    }
  } finally {
    await node.stop()
    if (first.child.exitCode === null && first.child.signalCode === null)
      first.child.kill('SIGKILL')
  }
})
