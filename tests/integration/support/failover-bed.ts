/**
 * Two relay processes of one community on one PostgreSQL database, each naming the other
 * (`--instances`, ADR 0231), and two mailbox-only messengers whose home relay is instance 1: the
 * set-up of the owner-side fail-over tests (tests/relay/pg-failover.test.ts). `destroy()` stops
 * whatever was started, so a failed set-up still cleans up.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { decodeOutbound } from '@hestia/core/messenger/records.ts'
import {
  freePort,
  startPgCluster,
  type PgCluster,
} from '../../../relay-node/test-support/pg-cluster.ts'
import { migratePg } from '../../../relay-node/src/store/pg-migrate.ts'
import { spawnRelay, tempDir, type RelayProcess } from '../relay-helpers.ts'
import { TestPeer, connectPeers, releaseWebRTC, waitUntil } from './messenger-harness.ts'

/** Two instances, alice and bob contacts of each other, bob holding both instances for alice. */
export interface FailoverPair {
  /** Instance 1: alice's and bob's home relay, the one the tests kill. */
  one: RelayProcess
  addrOne: string
  addrTwo: string
  alice: TestPeer
  bob: TestPeer
  convA: string
  convB: string
}

export class FailoverBed {
  #cluster: PgCluster | undefined
  readonly #relays: RelayProcess[] = []
  readonly #peers: TestPeer[] = []

  /** A migrated database of its own on the shared cluster (started on first use). */
  async freshDatabase(name: string): Promise<string> {
    this.#cluster ??= await startPgCluster()
    const url = await this.#cluster.createDatabase(`${name}${process.pid}`)
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await migratePg(c)
    } finally {
      await c.end()
    }
    return url
  }

  /** Instances on a fresh database named `name`, and the two people (see FailoverPair). */
  async pair(name: string): Promise<FailoverPair> {
    const { one, addrOne, addrTwo } = await this.#instancePair(await this.freshDatabase(name))
    const alice = this.peer('alice', [addrOne])
    const bob = this.peer('bob', [addrOne])
    for (const p of [alice, bob]) await p.start()
    const { convA, convB } = await connectPeers(alice, bob)
    // Bob learnt instance 2 inside Alice's (end-to-end) Hello, right after her home relay.
    await waitUntil(
      'bob holds both instances for alice',
      () => bobHolds(bob, [addrOne, addrTwo]),
      20_000,
    )
    return { one, addrOne, addrTwo, alice, bob, convA, convB }
  }

  /** A mailbox-only messenger (not started), stopped by destroy(); `backing`: a restart's store. */
  peer(name: string, relays: string[], backing?: TestPeer['backing']): TestPeer {
    const p = new TestPeer(name, relays, backing)
    p.direct = false
    this.#peers.push(p)
    return p
  }

  async destroy(): Promise<void> {
    for (const p of this.#peers) await p.stop().catch(() => undefined)
    for (const r of this.#relays) {
      if (r.child.exitCode === null && r.child.signalCode === null) await stopGracefully(r)
    }
    await this.#cluster?.destroy()
    releaseWebRTC()
  }

  /**
   * Two instances on `url`, each naming the other. Both must exist first: instance 1 starts once
   * to get its identity, instance 2 starts naming it, instance 1 restarts (same key, same port)
   * naming 2.
   */
  async #instancePair(
    url: string,
  ): Promise<{ one: RelayProcess; addrOne: string; addrTwo: string }> {
    const [dirOne, dirTwo] = [tempDir(), tempDir()]
    // Ports free right now: instance 1 restarts on its own with the same address.
    const [portOne, portTwo] = [await freePort(), await freePort()]
    const first = await this.#instance(url, dirOne, portOne, [])
    const addrOne = first.multiaddrs[0]!
    await stopGracefully(first)
    const two = await this.#instance(url, dirTwo, portTwo, [addrOne])
    const addrTwo = two.multiaddrs[0]!
    const one = await this.#instance(url, dirOne, portOne, [addrTwo])
    assert.equal(one.multiaddrs[0], addrOne, 'instance 1 came back with the same address')
    return { one, addrOne, addrTwo }
  }

  /** One instance on the shared database; per-address limits lifted (every peer is 127.0.0.1). */
  async #instance(
    url: string,
    dataDir: string,
    port: number,
    others: string[],
  ): Promise<RelayProcess> {
    const config = join(dataDir, 'test-config.json')
    writeFileSync(
      config,
      JSON.stringify({
        relay: { inboundConnectionsPerSecondPerIp: 1e6, maxHandshakingPerIp: 1000 },
        mailbox: { rate: { createPerIp: { perSecond: 1000, burst: 1000 } } },
      }),
    )
    const relay = await spawnRelay([
      ...['--data', dataDir, '--config', config, '--store', url, '--pg-pool', '3'],
      ...['--listen', `/ip4/127.0.0.1/tcp/${port}/ws`, '--stun-port', '-1', '--admin-port', '-1'],
      ...(others.length > 0 ? ['--instances', others.join(',')] : []),
    ])
    this.#relays.push(relay)
    return relay
  }
}

/** Bob's stored Hello for his one contact names exactly `relays`. */
export async function bobHolds(bob: TestPeer, relays: string[]): Promise<boolean> {
  const [contact] = await bob.store.listContacts()
  const hello = contact === undefined ? null : decodeOutbound(contact.outboundMailbox)
  return hello?.relays.join(' ') === relays.join(' ')
}

async function stopGracefully(r: RelayProcess): Promise<void> {
  r.child.kill('SIGTERM')
  await r.exited
}
