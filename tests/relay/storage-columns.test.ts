/**
 * Nothing on the relay's disk links mailboxes (issue 15): after a run with several users (mailboxes
 * of three people, deposits from several clients interleaved, fetch and ack, a subscription,
 * prekeys published and taken), every table and column is dumped and checked:
 * - no field holds a client's timestamp (the clients' clocks are skewed by odd offsets, and every
 *   value they signed is recorded), in milliseconds or seconds;
 * - no field records a global order: no table has a rowid, message ids are per-mailbox sequences,
 *   and no column of the messages table grows with the global deposit order;
 * - no field holds an IP address, a PeerId (text or bytes), a raw nonce;
 * - docs/relay/PRIVACY.md lists exactly these columns (table.column), so the page stays true.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import {
  PREKEY_KIND,
  buildPrekeyBundle,
  createDeviceKeys,
  createIdentity,
  createPrekey,
  issueDeviceCert,
  systemRandom,
  verifyPrekeyBundle,
} from '@hestia/core/crypto/index.ts'
import { encodeSigned } from '@hestia/core/crypto/codecs.ts'
import type { PrekeyKind } from '@hestia/core/crypto/index.ts'
import { depositAddressOf, newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import type { MailboxCredentials } from '@hestia/core/mailbox/index.ts'
import { startRelay } from '@hestia/relay-node'
import { mailboxClientFor, startClientNode, tempDir } from '../integration/relay-helpers.ts'

const KiB = 1024
const PRIVACY_MD = join(import.meta.dirname, '..', '..', 'docs', 'relay', 'PRIVACY.md')

type Value = number | bigint | string | Uint8Array | null
interface Dump {
  tables: Map<string, { withoutRowid: boolean; columns: string[]; rows: Value[][] }>
}

function dumpDatabase(path: string): Dump {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    const tables: Dump['tables'] = new Map()
    const list = db
      .prepare(
        "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
    for (const t of list) {
      const name = String(t.name)
      const columns = db
        .prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid')
        .all(name)
        .map((c) => String(c.name))
      const rows = db
        .prepare(`SELECT * FROM "${name}"`)
        .all()
        .map((r) => columns.map((c) => r[c] as Value))
      tables.set(name, { withoutRowid: t.wr === 1, columns, rows })
    }
    return { tables }
  } finally {
    db.close()
  }
}

/** `table.column` names listed in PRIVACY.md's column table (first cell of a row, in backticks). */
function documentedColumns(): string[] {
  const md = readFileSync(PRIVACY_MD, 'utf8')
  const start = md.indexOf('### Every column')
  assert.ok(start >= 0, 'PRIVACY.md has an "Every column" section')
  const end = md.indexOf('\n#', start + 1)
  const section = md.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/^\|\s*`(\w+)\.(\w+)`\s*\|/gm)].map((m) => `${m[1]}.${m[2]}`)
}

void test('after a multi-user run no stored field holds a client timestamp, a global order, an IP, a PeerId or a nonce; PRIVACY.md lists every column', async () => {
  const dataDir = tempDir()
  const relay = await startRelay({
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    stunPort: -1,
    adminPort: -1,
    logLevel: 'silent',
  })
  const addr = relay.multiaddrs[0]!
  const people = ['alice', 'bob', 'carol'] as const
  // Odd clock offsets, as real devices have: a stored timestamp would carry them.
  const skew = { alice: 97_123, bob: -41_777, carol: 3_001 }
  const signedTimes: number[] = []
  const nonces: Uint8Array[] = []
  const nodes = await Promise.all(people.map(() => startClientNode()))
  try {
    const clients = Object.fromEntries(
      people.map((p, i) => [
        p,
        mailboxClientFor(nodes[i]!, addr, {
          now: () => {
            const t = Date.now() + skew[p]
            signedTimes.push(t)
            return t
          },
          randomBytes: (n) => {
            const b = crypto.getRandomValues(new Uint8Array(n))
            if (n === 16) nonces.push(b)
            return b
          },
        }),
      ]),
    ) as Record<(typeof people)[number], ReturnType<typeof mailboxClientFor>>

    const boxes: Record<string, MailboxCredentials> = {
      bob1: newMailboxCredentials(),
      bob2: newMailboxCredentials(),
      alice: newMailboxCredentials(),
      carol: newMailboxCredentials(),
    }
    await clients.bob.create(boxes.bob1!)
    await clients.bob.create(boxes.bob2!)
    await clients.alice.create(boxes.alice!)
    await clients.carol.create(boxes.carol!)
    // Bob's real signed bundle, as the messenger publishes it to every mailbox he owns: its device
    // certificate holds his identity key, his PeerId and his clock's times.
    const identity = createIdentity(systemRandom)
    const device = createDeviceKeys(systemRandom)
    const bobNow = Date.now() + skew.bob
    signedTimes.push(bobNow)
    const cert = issueDeviceCert(identity, {
      deviceKey: device.publicKey,
      peerId: nodes[1]!.peerId.toMultihash().bytes,
      issuedAt: bobNow,
      expiresAt: bobNow + 30 * 86_400_000,
    })
    const prekey = (kind: PrekeyKind, id: number) =>
      createPrekey(identity, {
        kind,
        id,
        deviceKey: device.publicKey,
        expiresAt: bobNow + 7 * 86_400_000,
        random: systemRandom,
      })
    const bundle = buildPrekeyBundle({
      deviceCert: cert,
      signedPrekey: prekey(PREKEY_KIND.signedX25519, 1),
      pqPrekey: prekey(PREKEY_KIND.lastResortMlkem, 2),
    })
    const oneTimeBytes = [3, 4, 5].map((id) =>
      Buffer.from(encodeSigned(prekey(PREKEY_KIND.oneTimeX25519, id).signed)),
    )
    for (const box of [boxes.bob1!, boxes.bob2!]) {
      await clients.bob.publishPrekeys(box, bundle, oneTimeBytes)
    }
    const taken = await clients.alice.fetchPrekeys(depositAddressOf(boxes.bob1!))
    assert.deepEqual(taken.signedBundle, bundle, 'contacts still get the bundle as signed')
    assert.ok(taken.oneTimePrekey !== undefined)
    verifyPrekeyBundle(taken.signedBundle, { now: bobNow, identityKey: identity.publicKey })
    const ownerSecrets: Array<[string, Buffer]> = [
      ['identity key', Buffer.from(identity.publicKey)],
      ['device key', Buffer.from(device.publicKey)],
      ['device certificate', Buffer.from(cert.bytes)],
      ...oneTimeBytes.map((b, i): [string, Buffer] => [`one-time prekey ${i}`, b]),
    ]

    // Interleaved deposits from three clients into four mailboxes: the global order is known here.
    const plan: Array<[(typeof people)[number], string]> = [
      ['alice', 'bob1'],
      ['carol', 'bob2'],
      ['alice', 'carol'],
      ['carol', 'bob1'],
      ['bob', 'alice'],
      ['alice', 'bob2'],
      ['carol', 'alice'],
      ['alice', 'bob1'],
      ['bob', 'carol'],
      ['carol', 'bob2'],
      ['alice', 'bob1'],
      ['bob', 'alice'],
    ]
    const order: Array<{ box: string; id: bigint }> = []
    const sub = await clients.bob.subscribe(boxes.bob2!, () => undefined)
    for (const [i, [from, box]] of plan.entries()) {
      const sealed = new Uint8Array(KiB).fill(0x30 + i)
      const id = await clients[from].deposit(depositAddressOf(boxes[box]!), sealed, {
        expiryS: [3600, 86_400, 604_800, 1_209_600][i % 4]!,
      })
      order.push({ box, id })
    }
    await sub.close()
    // Bob reads and acks part of one mailbox; Alice reads hers without acking.
    const first = await clients.bob.fetch(boxes.bob1!, 2)
    await clients.bob.ack(
      boxes.bob1!,
      first.messages.map((m) => m.id),
    )
    await clients.alice.fetch(boxes.alice!)
    assert.ok(signedTimes.length >= 8 && nonces.length >= 8, 'signed requests were made')

    const peerTexts = nodes.map((n) => n.peerId.toString())
    const peerBytes = nodes.map((n) => n.peerId.toMultihash().bytes)
    await relay.stop()
    const dbPath = join(dataDir, 'mailboxes.sqlite')
    const dump = dumpDatabase(dbPath)

    // 1. Every column is documented, and nothing documented is missing.
    const present = [...dump.tables].flatMap(([t, d]) => d.columns.map((c) => `${t}.${c}`))
    assert.deepEqual(present.sort(), documentedColumns().sort(), 'PRIVACY.md lists every column')

    // 2. No row ids: nothing numbers rows in the order they were written.
    for (const [t, d] of dump.tables) assert.ok(d.withoutRowid, `${t} has no rowid`)

    // 3. Message ids are per-mailbox sequences, and no column follows the global deposit order.
    const messages = dump.tables.get('messages')!
    const col = (name: string) => messages.columns.indexOf(name)
    const perBox = new Map<string, bigint[]>()
    for (const o of order) perBox.set(o.box, [...(perBox.get(o.box) ?? []), o.id])
    for (const ids of perBox.values()) {
      assert.deepEqual(
        ids,
        ids.map((_, i) => BigInt(i + 1)),
        'each mailbox counts from 1 on its own',
      )
    }
    const boxOfId = new Map(
      Object.entries(boxes).map(([k, b]) => [Buffer.from(b.mailboxId).toString('hex'), k]),
    )
    const rowFor = (o: { box: string; id: bigint }) =>
      messages.rows.find(
        (r) =>
          boxOfId.get(Buffer.from(r[col('mailbox_id')] as Uint8Array).toString('hex')) === o.box &&
          BigInt(r[col('seq')] as number) === o.id,
      )
    const storedInOrder = order.map(rowFor).filter((r) => r !== undefined)
    assert.ok(storedInOrder.length >= 10, 'most deposits are still stored')
    for (const [i, name] of messages.columns.entries()) {
      const values = storedInOrder.map((r) => r[i])
      if (!values.every((v) => typeof v === 'number' || typeof v === 'bigint')) continue
      const increasing = values.every((v, j) => j === 0 || Number(v) > Number(values[j - 1]))
      assert.ok(!increasing, `messages.${name} grows with the global deposit order`)
    }

    // 4. No client timestamp (ms or s), and every epoch-like number is a rounded expiry.
    for (const [t, d] of dump.tables) {
      for (const row of d.rows) {
        for (const [i, v] of row.entries()) {
          if (typeof v !== 'number' && typeof v !== 'bigint') continue
          const n = Number(v)
          for (const ts of signedTimes) {
            assert.ok(
              Math.abs(n - ts) > 60_000 && Math.abs(n * 1000 - ts) > 60_000,
              `${t}.${d.columns[i]} = ${n} is a client timestamp`,
            )
          }
          if (n > 1e12) assert.equal(n % 600_000, 0, `${t}.${d.columns[i]} is not rounded`)
        }
      }
    }

    // 5. No IP, PeerId or raw nonce in any text or blob, nor anywhere in the file.
    const needles: Array<[string, Buffer]> = [
      ['IP 127.0.0.1 (text)', Buffer.from('127.0.0.1')],
      ['IP 127.0.0.1 (bytes)', Buffer.from([127, 0, 0, 1])],
      ...peerTexts.map((p): [string, Buffer] => [`PeerId ${p}`, Buffer.from(p)]),
      ...peerBytes.map((b, i): [string, Buffer] => [
        `PeerId bytes of ${people[i]}`,
        Buffer.from(b),
      ]),
      ...nonces.map((b, i): [string, Buffer] => [`nonce ${i}`, Buffer.from(b)]),
      ...ownerSecrets,
    ]
    for (const [t, d] of dump.tables) {
      for (const row of d.rows) {
        for (const [i, v] of row.entries()) {
          if (typeof v !== 'string' && !(v instanceof Uint8Array)) continue
          const hay = Buffer.from(v)
          for (const [what, needle] of needles) {
            assert.ok(!hay.includes(needle), `${t}.${d.columns[i]} holds ${what}`)
          }
        }
      }
    }
    const file = readFileSync(dbPath)
    for (const [what, needle] of needles) {
      if (needle.length >= 8) assert.ok(!file.includes(needle), `the database file holds ${what}`)
    }
  } finally {
    for (const n of nodes) await n.stop()
    await relay.stop().catch(() => undefined)
  }
})
