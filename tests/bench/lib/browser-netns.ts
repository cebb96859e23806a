// A network namespace for one browser, so the kernel counts what that browser sends and receives
// (the idle bench: bytes and packets measured outside the browser). Needs root and iproute2.
//
//   namespace N                                   root namespace (this process)
//   ┌──────────────────────────────┐              ┌──────────────────────────────────────┐
//   │ Chromium ── 127.0.0.1:P ─ lo │              │ relay 127.0.0.1:P                    │
//   │        forwarder (child) ────┼─ unix sock ─▶│ bridge ─▶ relay                      │
//   │ Chromium ── UDP ── veth b ───┼── veth a ───▶│ contacts (WebRTC bound to veth a)    │
//   └──────────────────────────────┘              └──────────────────────────────────────┘
//
// - The relay connection: the browser dials its relay at 127.0.0.1:P as usual; inside N that is a
//   forwarder that carries the bytes over a Unix socket (which crosses namespaces) to the relay.
//   N's loopback then carries nothing but the browser's relay connection: its counters are that
//   connection's packets and bytes on the wire (TCP/IP headers included).
// - Direct connections: N's only other interface is one veth pair, and contacts bind their WebRTC
//   to its root end. Its counters are every UDP packet between the browser and its contacts (ICE
//   consent checks, DTLS, SCTP), nothing else: IPv6 is off and the neighbours are static (no ARP).
//
//   const ns = await BrowserNetns.create(relayPort)
//   try { launch Chromium through ns.launcher; ... ns.counters() } finally { await ns.destroy() }

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises'
import { createConnection, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { chromiumPath } from '../../../scripts/browsers.ts'

const run = promisify(execFile)
const NODE = process.execPath
const FORWARDER = new URL('./netns-forwarder.ts', import.meta.url).pathname

export interface LinkCounters {
  rxBytes: number
  txBytes: number
  rxPackets: number
  txPackets: number
}

export interface NetnsCounters {
  /** The veth pair: browser ↔ contacts (UDP), seen from the root end. */
  direct: LinkCounters
  /** The namespace's loopback: browser ↔ relay forwarder. Every packet counts once in tx. */
  relay: LinkCounters
}

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout
}

/** One interface's line of /proc/net/dev (which shows the reader's own network namespace). */
function linkCounters(procNetDev: string, dev: string): LinkCounters {
  const line = procNetDev.split('\n').find((l) => l.trim().startsWith(`${dev}:`))
  if (line === undefined) throw new Error(`no interface ${dev} in /proc/net/dev`)
  const f = line.split(':')[1]!.trim().split(/\s+/).map(Number)
  // Receive: bytes packets errs drop fifo frame compressed multicast; then transmit: bytes packets ...
  return { rxBytes: f[0]!, rxPackets: f[1]!, txBytes: f[8]!, txPackets: f[9]! }
}

export class BrowserNetns {
  readonly name: string
  /** The root end's address: contacts bind their WebRTC here. */
  readonly contactAddress: string
  /** An executable that starts Chromium inside the namespace (pass as executablePath). */
  readonly launcher: string
  readonly #rootDev: string
  readonly #dir: string
  readonly #bridge: Server
  #forwarder: ChildProcess | undefined

  private constructor(
    name: string,
    rootDev: string,
    contactAddress: string,
    dir: string,
    bridge: Server,
  ) {
    this.name = name
    this.#rootDev = rootDev
    this.contactAddress = contactAddress
    this.#dir = dir
    this.#bridge = bridge
    this.launcher = join(dir, 'chromium')
  }

  /** Builds the namespace, the veth pair and the relay path to 127.0.0.1:`relayPort`. */
  static async create(relayPort: number): Promise<BrowserNetns> {
    if (process.getuid?.() !== 0) throw new Error('the idle bench needs root (network namespace)')
    await removeStaleNamespaces()
    const id = process.pid
    const name = `hidle${id}`
    const rootDev = `hi${id}a`
    const nsDev = `hi${id}b`
    const third = id % 256
    const fourth = ((id >> 8) % 64) * 4
    const rootAddr = `10.231.${third}.${fourth + 1}`
    const nsAddr = `10.231.${third}.${fourth + 2}`
    const dir = await mkdtemp(join(tmpdir(), 'hestia-idle-ns-'))
    const socketPath = join(dir, 'relay.sock')
    // Root side of the relay path: each connection from the forwarder goes on to the relay.
    const bridge = createServer((inner) => {
      const outer = createConnection({ host: '127.0.0.1', port: relayPort })
      inner.pipe(outer).pipe(inner)
      inner.on('error', () => outer.destroy())
      outer.on('error', () => inner.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      bridge.once('error', reject)
      bridge.listen(socketPath, resolve)
    })
    const ns = new BrowserNetns(name, rootDev, rootAddr, dir, bridge)
    try {
      await ip('netns', 'add', name)
      await ip('link', 'add', rootDev, 'type', 'veth', 'peer', 'name', nsDev)
      await ip('link', 'set', nsDev, 'netns', name)
      await writeFile(`/proc/sys/net/ipv6/conf/${rootDev}/disable_ipv6`, '1')
      await ip('addr', 'add', `${rootAddr}/30`, 'dev', rootDev)
      await ip('link', 'set', rootDev, 'up')
      await ip('-n', name, 'link', 'set', 'lo', 'up')
      await run('ip', [
        'netns',
        'exec',
        name,
        'sysctl',
        '-qw',
        `net.ipv6.conf.${nsDev}.disable_ipv6=1`,
      ])
      await ip('-n', name, 'addr', 'add', `${nsAddr}/30`, 'dev', nsDev)
      await ip('-n', name, 'link', 'set', nsDev, 'up')
      const rootMac = (await readFile(`/sys/class/net/${rootDev}/address`, 'utf8')).trim()
      const nsMac = (
        await run('ip', ['netns', 'exec', name, 'cat', `/sys/class/net/${nsDev}/address`])
      ).stdout.trim()
      await ip('neigh', 'replace', nsAddr, 'lladdr', nsMac, 'dev', rootDev, 'nud', 'permanent')
      await ip(
        '-n',
        name,
        'neigh',
        'replace',
        rootAddr,
        'lladdr',
        rootMac,
        'dev',
        nsDev,
        'nud',
        'permanent',
      )
      await ns.#startForwarder(relayPort, socketPath)
      await writeFile(ns.launcher, `#!/bin/sh\nexec ip netns exec ${name} ${chromiumPath} "$@"\n`)
      await chmod(ns.launcher, 0o755)
      return ns
    } catch (error) {
      await ns.destroy()
      throw error
    }
  }

  async #startForwarder(relayPort: number, socketPath: string): Promise<void> {
    const child = spawn(
      'ip',
      ['netns', 'exec', this.name, NODE, FORWARDER, String(relayPort), socketPath],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    this.#forwarder = child
    await new Promise<void>((resolve, reject) => {
      let output = ''
      const timer = setTimeout(
        () => reject(new Error(`netns forwarder did not start: ${output}`)),
        10_000,
      )
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('listening')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`netns forwarder exited (${code}): ${output}`))
      })
    })
  }

  async counters(): Promise<NetnsCounters> {
    const inNs = (await run('ip', ['netns', 'exec', this.name, 'cat', '/proc/net/dev'])).stdout
    return {
      direct: linkCounters(await readFile('/proc/net/dev', 'utf8'), this.#rootDev),
      relay: linkCounters(inNs, 'lo'),
    }
  }

  async destroy(): Promise<void> {
    this.#forwarder?.kill('SIGTERM')
    await ip('netns', 'del', this.name).catch(() => undefined)
    // Deleting the namespace removes both veth ends; this is for a half-built pair.
    await ip('link', 'del', this.#rootDev).catch(() => undefined)
    await new Promise<void>((resolve) => this.#bridge.close(() => resolve()))
    await rm(this.#dir, { recursive: true, force: true })
  }
}

/**
 * Namespaces of earlier runs whose process is gone (a suite timeout ends the process before its
 * clean-up finishes); deleting one removes its veth pair too.
 */
async function removeStaleNamespaces(): Promise<void> {
  for (const line of (await ip('netns', 'list')).split('\n')) {
    const pid = /^hidle(\d+)\b/.exec(line)?.[1]
    if (pid !== undefined && !existsSync(`/proc/${pid}`)) await ip('netns', 'del', `hidle${pid}`)
  }
}

/** Differences of two counter readings. */
export function countersSince(before: NetnsCounters, after: NetnsCounters): NetnsCounters {
  const diff = (a: LinkCounters, b: LinkCounters): LinkCounters => ({
    rxBytes: b.rxBytes - a.rxBytes,
    txBytes: b.txBytes - a.txBytes,
    rxPackets: b.rxPackets - a.rxPackets,
    txPackets: b.txPackets - a.txPackets,
  })
  return { direct: diff(before.direct, after.direct), relay: diff(before.relay, after.relay) }
}
