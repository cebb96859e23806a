/**
 * The relay-privacy checks (tests/integration/relay-privacy.test.ts on SQLite, tests/relay/
 * pg-privacy.test.ts on PostgreSQL): marker plaintexts sealed with the real client encryption and
 * deposited, half of them fetched and acked, and every form of every secret to look for in what the
 * relay wrote.
 */
import assert from 'node:assert/strict'
import { openSealed, sealForMailbox } from '@hestia/core/crypto/index.ts'
import type { KeyPair } from '@hestia/core/crypto/primitives.ts'
import { depositAddressOf, type MailboxCredentials } from '@hestia/core/mailbox/index.ts'
import type { MailboxClient } from '@hestia/core/mailbox/client.ts'

/** A secret in one of its forms, named for the failure message. */
export interface Needle {
  name: string
  bytes: Buffer
}

/** The names of the needles found in `haystack`. */
export function occurrences(haystack: Buffer, needles: Needle[]): string[] {
  return needles.filter((n) => haystack.includes(n.bytes)).map((n) => n.name)
}

/** Every form a secret could take in a file: raw bytes, hex, base64, base64url. */
export function secretForms(name: string, bytes: Uint8Array): Needle[] {
  const b = Buffer.from(bytes)
  return [
    { name: `${name} (raw)`, bytes: b },
    { name: `${name} (hex)`, bytes: Buffer.from(b.toString('hex')) },
    { name: `${name} (base64)`, bytes: Buffer.from(b.toString('base64').replace(/=+$/, '')) },
    { name: `${name} (base64url)`, bytes: Buffer.from(b.toString('base64url')) },
  ]
}

/**
 * Deposits `count` marker messages (of growing length) in `box`, sealed to `keys`; then fetches and
 * acks (deletes) the first half, asserting the recipient can read them, so both stored and deleted
 * entries are checked. Resolves with what must appear nowhere: the markers, the capability, the
 * mailbox's auth secret key and the mailbox's X25519 secret key, each in every form.
 */
export async function depositMarkers(
  client: MailboxClient,
  box: MailboxCredentials,
  keys: KeyPair,
  count: number,
): Promise<Needle[]> {
  const markers: string[] = []
  for (let i = 0; i < count; i++) {
    const marker = `HESTIA-PLAINTEXT-MARKER-${i}-${'x'.repeat(i * 50)}-END`
    markers.push(marker)
    const sealed = await sealForMailbox(keys.publicKey, new TextEncoder().encode(marker))
    await client.deposit(depositAddressOf(box), sealed)
  }
  const half = Math.floor(count / 2)
  const { messages } = await client.fetch(box, half)
  const opened = await Promise.all(messages.map((m) => openSealed(keys.secretKey, m.sealed)))
  assert.deepEqual(
    opened.map((p) => new TextDecoder().decode(p)),
    markers.slice(0, half),
    'the recipient can read them',
  )
  await client.ack(
    box,
    messages.map((m) => m.id),
  )
  return [
    ...markers.map((m, i) => ({ name: `marker ${i}`, bytes: Buffer.from(m) })),
    { name: 'marker prefix', bytes: Buffer.from('HESTIA-PLAINTEXT-MARKER') },
    ...secretForms('capability', box.capability),
    ...secretForms('mailbox auth secret key', box.authSecretKey),
    ...secretForms('mailbox X25519 secret key', keys.secretKey),
  ]
}
