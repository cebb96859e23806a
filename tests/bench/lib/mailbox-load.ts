// Load a relay's mailboxes the way the relay benchmarks measure them (suites relay and relay-pg):
// sealed deposits from several client connections, and sequential fetches.
import { depositAddressOf, EXPIRY_BUCKETS_S } from '../../../core/src/mailbox/index.ts'
import type { MailboxCredentials } from '../../../core/src/mailbox/index.ts'
import type { mailboxClientFor } from '../../integration/relay-helpers.ts'

/** The size of one benchmark deposit: the chat size class's smallest body, as the raw baselines insert. */
export const SEALED_BYTES = 1024

export type BenchMailboxClient = ReturnType<typeof mailboxClientFor>

/** Deposits `count` messages round-robin over the mailboxes, `concurrency` in flight; returns /s. */
export async function depositBurst(
  clients: BenchMailboxClient[],
  boxes: MailboxCredentials[],
  count: number,
  concurrency: number,
): Promise<number> {
  let next = 0
  const sealed = new Uint8Array(SEALED_BYTES).fill(0x5a)
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const client = clients[w % clients.length]!
      while (next < count) {
        const i = next++
        await client.deposit(depositAddressOf(boxes[i % boxes.length]!), sealed, {
          expiryS: EXPIRY_BUCKETS_S[3],
        })
      }
    }),
  )
  return count / ((performance.now() - started) / 1000)
}

/**
 * Fetches a mailbox `n` times one after another (each fetch is signed, checked and burns its nonce
 * durably before the answer); returns each fetch's latency in ms.
 */
export async function fetchLatencies(
  client: BenchMailboxClient,
  box: MailboxCredentials,
  n: number,
): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await client.fetch(box, 10)
    latencies.push(performance.now() - t)
  }
  return latencies
}
