/**
 * Operations: the Docker start command run outside Docker (Docker does not run here), relay.json,
 * identity permissions and persistence, stats, health, metrics, the admin API with hashed keys and
 * an audit log, bans, key rotation with a grace period, graceful SIGTERM; and a lint of the
 * Dockerfile and compose file for the Aria seed's container hardening.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startRelay } from '@hestia/relay-node'
import {
  RELAY_BIN,
  mailboxClientFor,
  spawnRelay,
  startClientNode,
  tempDir,
  waitFor,
} from './relay-helpers.ts'

const root = join(import.meta.dirname, '..', '..')
const dockerfile = readFileSync(join(root, 'relay-node', 'Dockerfile'), 'utf8')
const compose = readFileSync(join(root, 'relay-node', 'compose.yaml'), 'utf8')

/** The CMD of the Dockerfile, with the container paths and ports mapped to this machine. */
function dockerStartArgs(dataDir: string): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)
  assert.ok(cmd, 'Dockerfile has an exec-form CMD')
  const args = JSON.parse(cmd[1]!) as string[]
  assert.equal(args[0], 'start')
  return args
    .slice(1)
    .map((a) =>
      a === '/data'
        ? dataDir
        : a === '/ip4/0.0.0.0/tcp/4510/ws'
          ? '/ip4/127.0.0.1/tcp/0/ws'
          : a === '0.0.0.0'
            ? '127.0.0.1'
            : a === '3478' || a === '4511'
              ? '0'
              : a,
    )
}

/** The client's view of a closed connection can lag; a real client retries once or twice too. */
async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (err) {
      if (i >= attempts) throw err
      await new Promise((r) => setTimeout(r, 100 * i))
    }
  }
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(process.execPath, [RELAY_BIN, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

interface RelayJson {
  peerId: string
  multiaddrs: string[]
  stun?: { port: number }
  admin?: { url: string }
  next?: { peerId: string; multiaddrs: string[]; takesOverAt: string }
}

describe('hestia-relay operations', () => {
  test('the Dockerfile start command runs outside Docker: relay.json, identity, stats, health, metrics, admin, rotation, SIGTERM', async () => {
    const dataDir = tempDir()
    const args = dockerStartArgs(dataDir)
    const relay = await spawnRelay(args)
    const node = await startClientNode()
    try {
      // stdout: dialable multiaddrs with /p2p/<peerId>; relay.json says the same.
      const info = JSON.parse(readFileSync(join(dataDir, 'relay.json'), 'utf8')) as RelayJson
      assert.deepEqual(info.multiaddrs, relay.multiaddrs)
      assert.ok(relay.multiaddrs.every((a) => a.endsWith(`/p2p/${info.peerId}`)))
      assert.ok(info.stun !== undefined && info.stun.port > 0)
      assert.equal(statSync(join(dataDir, 'identity.key')).mode & 0o777, 0o600)
      assert.equal(statSync(dataDir).mode & 0o777, 0o700)
      const admin = info.admin!.url

      const client = mailboxClientFor(node, relay.multiaddrs[0]!)
      assert.equal((await client.info()).current?.peerId, info.peerId)

      // stats, health, metrics
      const stats = JSON.parse(cli(['stats', '--data', dataDir])) as Record<string, number>
      for (const k of [
        'mailboxes',
        'storedMessages',
        'storedBytes',
        'connections',
        'reservations',
      ]) {
        assert.equal(typeof stats[k], 'number', k)
      }
      assert.ok(stats.connections! >= 1)
      assert.equal((await fetch(`${admin}/health`)).status, 200)
      const metrics = await (await fetch(`${admin}/metrics`)).text()
      for (const name of [
        'hestia_relay_mailbox_requests_total',
        'hestia_relay_connections',
        'hestia_relay_reservations',
        'hestia_relay_stored_messages',
      ]) {
        assert.match(metrics, new RegExp(`^${name}`, 'm'))
      }

      // Admin API: refused without a key; the key file holds only its hash; actions are audited.
      const denied = await fetch(`${admin}/admin/ban`, {
        method: 'POST',
        body: '{"ip":"192.0.2.1"}',
      })
      assert.equal(denied.status, 401)
      const key = cli(['admin-key', '--data', dataDir]).trim()
      assert.match(key, /^hestia_admin_/)
      const keyFile = readFileSync(join(dataDir, 'admin-keys'), 'utf8')
      assert.ok(
        !keyFile.includes(key) && !keyFile.includes(key.slice(13)),
        'key stored only as a hash',
      )
      const adminEnv = { HESTIA_RELAY_ADMIN_KEY: key, HESTIA_RELAY_DATA: dataDir }
      const bannedPeer = node.peerId.toString()
      cli(['admin', 'ban', '--peer', bannedPeer], adminEnv)
      await assert.rejects(client.info(), 'a banned peer is disconnected and refused')
      assert.deepEqual(
        (JSON.parse(cli(['admin', 'bans'], adminEnv)) as { peers: string[] }).peers,
        [bannedPeer],
      )
      cli(['admin', 'unban', '--peer', bannedPeer], adminEnv)
      assert.equal((await retry(() => client.info())).current?.peerId, info.peerId)
      const purge = JSON.parse(cli(['admin', 'purge', '--mailbox', 'ab'.repeat(32)], adminEnv)) as {
        purged: boolean
      }
      assert.equal(purge.purged, false)

      // Key rotation: both identities announced during the grace period (0 h here, so it completes at the next start).
      const rotated = JSON.parse(cli(['admin', 'rotate-key', '--grace-hours', '1'], adminEnv)) as {
        nextPeerId: string
        multiaddrs: string[]
      }
      assert.notEqual(rotated.nextPeerId, info.peerId)
      const during = JSON.parse(readFileSync(join(dataDir, 'relay.json'), 'utf8')) as RelayJson
      assert.equal(during.peerId, info.peerId)
      assert.equal(during.next?.peerId, rotated.nextPeerId)
      const viaNext = mailboxClientFor(node, rotated.multiaddrs[0]!)
      const announced = await viaNext.info()
      assert.equal(announced.current?.peerId, info.peerId)
      assert.equal(announced.next?.peerId, rotated.nextPeerId)

      const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { action: string; result: string })
      assert.deepEqual(
        audit.map((e) => `${e.action}:${e.result}`),
        ['ban:denied', 'ban:ok', 'unban:ok', 'purge:ok', 'rotate-key:ok'],
      )
      assert.ok(
        !readFileSync(join(dataDir, 'audit.log'), 'utf8').includes(key),
        'no key in the audit log',
      )

      // Graceful SIGTERM.
      relay.child.kill('SIGTERM')
      assert.equal(await relay.exited, 0)
      assert.match(relay.stderr(), /"msg":"relay stopped"/)
      assert.ok(!relay.stderr().includes(key), 'no admin key in the logs')

      // The relay was down when the grace period ended (simulated by moving its end into the
      // past): the next start promotes the next identity.
      const rotationFile = join(dataDir, 'rotation.json')
      const state = JSON.parse(readFileSync(rotationFile, 'utf8')) as { graceUntil: number }
      writeFileSync(rotationFile, JSON.stringify({ ...state, graceUntil: Date.now() - 1 }))
      const again = await spawnRelay(args)
      try {
        assert.ok(again.multiaddrs[0]!.endsWith(`/p2p/${rotated.nextPeerId}`))
        const after = JSON.parse(readFileSync(join(dataDir, 'relay.json'), 'utf8')) as RelayJson
        assert.equal(after.next, undefined)
      } finally {
        again.child.kill('SIGTERM')
        assert.equal(await again.exited, 0, again.stderr())
      }
    } finally {
      await node.stop()
      if (relay.child.exitCode === null) relay.child.kill('SIGKILL')
    }
  })

  test('key rotation in a running relay: both identities during the grace period, then the next one takes over', async () => {
    const relay = await startRelay({
      dataDir: tempDir(),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      stunPort: -1,
      adminPort: -1,
      logLevel: 'silent',
    })
    const node = await startClientNode()
    try {
      const oldId = relay.peerId
      const rotated = await relay.rotateKey(1500)
      const during = await mailboxClientFor(node, rotated.multiaddrs[0]!).info()
      assert.equal(during.current?.peerId, oldId)
      assert.equal(during.next?.peerId, rotated.nextPeerId)
      assert.equal(
        (await mailboxClientFor(node, relay.multiaddrs[0]!).info()).next?.peerId,
        rotated.nextPeerId,
      )
      await waitFor(() => relay.peerId === rotated.nextPeerId, 10_000)
      const info = JSON.parse(readFileSync(join(relay.dataDir, 'relay.json'), 'utf8')) as RelayJson
      assert.equal(info.peerId, rotated.nextPeerId)
      assert.equal(info.next, undefined)
      const after = await retry(() => mailboxClientFor(node, relay.multiaddrs[0]!).info())
      assert.equal(after.current?.peerId, rotated.nextPeerId)
      assert.equal(after.next, undefined)
    } finally {
      await node.stop()
      await relay.stop()
    }
  })

  test('an identity key readable by others is refused with advice', async () => {
    const dataDir = tempDir()
    const args = dockerStartArgs(dataDir)
    const first = await spawnRelay(args)
    first.child.kill('SIGTERM')
    await first.exited
    execFileSync('chmod', ['644', join(dataDir, 'identity.key')])
    await assert.rejects(spawnRelay(args), /chmod 600/)
  })

  test('--help documents every start option', () => {
    const help = cli(['start', '--help'])
    for (const flag of [
      '--data',
      '--listen',
      '--announce',
      '--config',
      '--stun-port',
      '--admin-port',
      '--tls-cert',
      '--max-messages-per-mailbox',
      '--max-total-mib',
      '--message-ttl-days',
      '--max-reservations',
      '--max-connections-per-ip',
    ]) {
      assert.ok(help.includes(flag), flag)
    }
    assert.match(help, /HESTIA_RELAY_DATA/)
  })

  describe('container hardening lint (Aria seed: Container Security)', () => {
    const service = (name: string) => {
      const start = compose.indexOf(`\n  ${name}:\n`)
      assert.ok(start >= 0, `compose service ${name}`)
      const rest = compose.slice(start + 1)
      const end = rest.slice(1).search(/\n {2}\S|\n\S/)
      return end < 0 ? rest : rest.slice(0, end + 1)
    }
    for (const name of ['relay', 'turn']) {
      test(`compose ${name}: UID 1000, cap_drop ALL, no-new-privileges, read-only root, limits, healthcheck`, () => {
        const s = service(name)
        assert.match(s, /\n {4}user: ['"]1000:1000['"]\n/)
        assert.match(s, /\n {4}cap_drop:\n {6}- ALL\n/)
        assert.match(s, /\n {4}security_opt:\n {6}- no-new-privileges:true\n/)
        assert.match(s, /\n {4}read_only: true\n/)
        assert.match(s, /\n {4}mem_limit: \d+m\n/)
        assert.match(s, /\n {4}cpus: [\d.]+\n/)
        assert.match(s, /\n {4}pids_limit: \d+\n/)
        assert.match(s, /\n {4}healthcheck:\n {6}test:/)
        assert.doesNotMatch(s, /privileged: true|cap_add|network_mode: host/)
      })
    }
    test('compose relay keeps its state only in the data volume', () => {
      assert.match(service('relay'), /\n {6}- relay-data:\/data\n/)
    })
    test('Dockerfile: non-root UID 1000, no install scripts, healthcheck, exec-form entrypoint', () => {
      assert.match(dockerfile, /^USER 1000:1000$/m)
      assert.match(dockerfile, /npm ci [^\n]*--ignore-scripts/)
      assert.match(dockerfile, /^HEALTHCHECK /m)
      assert.match(dockerfile, /^ENTRYPOINT \["node", "relay-node\/bin\/hestia-relay.js"\]$/m)
      assert.match(dockerfile, /^VOLUME \["\/data"\]$/m)
      // The last USER wins: nothing switches back to root after it.
      const users = [...dockerfile.matchAll(/^USER (.+)$/gm)].map((m) => m[1])
      assert.equal(users.at(-1), '1000:1000')
    })
  })
})
