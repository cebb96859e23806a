/**
 * A small internet in network namespaces for the NAT reachability test (issue 21): a "public"
 * namespace that routes between its links and holds the relay and TURN on 172.16.0.1, and per
 * test pair two home namespaces, each behind a NAT namespace of its own (full-cone: a stateless
 * nftables 1:1 NAT; port-restricted or symmetric: iptables). Every name carries this process's id
 * and a random run tag, every address is one this module gave out inside these namespaces, and
 * `destroy()` deletes what `create*()` made (the veth ends go with their namespace). Needs root,
 * iproute2, iptables, nftables and sysctl (procps).
 *
 * The tools are called by absolute path: CI may run `npm test` with a PATH that has no sbin
 * directories (cron, some runners), where `iptables`, `nft` and `sysctl` live on Debian.
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { delimiter, join } from 'node:path'

export type NatKind = 'full-cone' | 'port-restricted' | 'symmetric'

/** Where the relay and TURN listen, inside the public namespace only. */
export const PUBLIC_SERVICE_IP = '172.16.0.1'

const PREFIX = 'hnat'
/** This run's namespaces: `hnat<pid>-<tag>-…`; the tag tells a reused pid's leftovers from ours. */
const RUN = `${PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`

/** Where Debian puts admin tools, searched after PATH. */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** The Debian package that brings each tool (for the error that says what to install). */
export const TOOL_PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  iptables: 'iptables',
  nft: 'nftables',
  sysctl: 'procps',
  turnserver: 'coturn',
}

/** The absolute path of an executable `name` on PATH or in the system directories, or null. */
export function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_DIRS]
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // Not here.
    }
  }
  return null
}

/** The absolute path of a tool this test needs; throws saying what to install when missing. */
export function tool(name: string): string {
  const path = findTool(name)
  if (path === null) {
    throw new Error(
      `${name} not found on PATH or in ${SYSTEM_DIRS.join(', ')}: apt-get install ${TOOL_PACKAGES[name] ?? name}`,
    )
  }
  return path
}

/** PATH for the processes started in the namespaces: the caller's, plus the system directories. */
export function childPath(): string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean)
  return [...dirs, ...SYSTEM_DIRS.filter((d) => !dirs.includes(d))].join(delimiter)
}

function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(tool(cmd), args, {
      encoding: 'utf8',
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(input !== undefined ? { input } : {}),
      env: { ...process.env, PATH: childPath() },
      timeout: 20_000,
    })
  } catch (err) {
    const e = err as Error & { stderr?: string }
    const said = (e.stderr ?? '').trim() || e.message.split('\n')[0]
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${said}`, { cause: err })
  }
}

function inNs(ns: string, cmd: string, args: string[], input?: string): string {
  return run('ip', ['netns', 'exec', ns, tool(cmd), ...args], input)
}

/** What is missing to run the test here (not root, a tool, network namespaces), or null. */
export function missingPrerequisite(): string | null {
  if (process.platform !== 'linux')
    return `network namespaces need Linux (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, as CI does)'
  const missing = Object.keys(TOOL_PACKAGES).filter((t) => findTool(t) === null)
  if (missing.length > 0) {
    const packages = missing.map((t) => TOOL_PACKAGES[t]).join(' ')
    return `${missing.join(', ')} not installed (apt-get install ${packages})`
  }
  try {
    const probe = `${RUN}-probe`
    run('ip', ['netns', 'add', probe])
    run('ip', ['netns', 'del', probe])
  } catch (err) {
    return `cannot create a network namespace here: ${(err as Error).message.split('\n')[0]}`
  }
  return null
}

/**
 * Namespaces left by an earlier run of this test that died before its cleanup: only ours (the
 * prefix), and only when the process named in them is gone or is this one under another tag (a
 * reused pid). Processes still running in them (a relay, coturn, a peer of the dead run) are
 * killed first, by pid, so they neither hold the namespace nor load the machine.
 */
export function removeStaleNamespaces(): { namespaces: string[]; killed: number[] } {
  const removed: string[] = []
  const killed: number[] = []
  const dir = '/run/netns'
  if (!existsSync(dir)) return { namespaces: removed, killed }
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)
    if (m === null || name.startsWith(`${RUN}-`)) continue
    if (Number(m[1]) !== process.pid && existsSync(`/proc/${m[1]}`)) continue
    try {
      for (const pid of run('ip', ['netns', 'pids', name]).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL')
          killed.push(Number(pid))
        } catch {
          // Gone already.
        }
      }
      run('ip', ['netns', 'del', name])
      removed.push(name)
    } catch {
      // Already gone.
    }
  }
  return { namespaces: removed, killed }
}

/**
 * Full cone as a stateless 1:1 NAT (nftables, no conntrack): the home's address is swapped for the
 * outside one on the way out and back on the way in, ports untouched. With conntrack SNAT/DNAT
 * instead, a port still held by a closed socket's conntrack entry made the kernel pick another
 * outside port, and the DNAT sent answers to that port number at home, another socket (the call's
 * DTLS then met a stranger's certificate).
 */
function fullConeRules(wanIp: string, homeIp: string): string {
  return `table ip fullcone {
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    iifname "wan" ip daddr ${wanIp} notrack ip daddr set ${homeIp}
    iifname "lan" ip saddr ${homeIp} notrack
  }
  chain post {
    type filter hook postrouting priority 100; policy accept;
    oifname "wan" ip saddr ${homeIp} ip saddr set ${wanIp}
  }
}
`
}

/** iptables rules on a NAT namespace whose WAN link is `wan` and home link is `lan`. */
function natRules(kind: NatKind): string[][] {
  // Inbound packets that belong to nothing the home started are dropped (port-restricted and
  // symmetric); full-cone is stateless and lets everything in (fullConeRules).
  const filter = [
    [
      '-A',
      'FORWARD',
      '-i',
      'wan',
      '-m',
      'conntrack',
      '--ctstate',
      'ESTABLISHED,RELATED',
      '-j',
      'ACCEPT',
    ],
    ['-A', 'FORWARD', '-i', 'wan', '-j', 'DROP'],
    // Unsolicited UDP to the router's own outside address is dropped before conntrack confirms
    // it, as home routers do. Otherwise the kernel would keep a conntrack entry for the peer's
    // first hole-punching packet, and the home's own packet to that peer would then get another
    // outside port (a clash with that entry): port-restricted would act symmetric.
    ['-A', 'INPUT', '-i', 'wan', '-p', 'udp', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'],
  ]
  switch (kind) {
    case 'full-cone':
      // Stateless 1:1 NAT in nftables (fullConeRules); nothing for iptables.
      return []
    case 'port-restricted':
      // Linux MASQUERADE keeps the source port where it can (one mapping for all destinations),
      // and conntrack lets in only replies from the exact address and port written to.
      return [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE'], ...filter]
    case 'symmetric':
      // A random outside port per destination: what STUN saw is not what the peer would see.
      return [
        ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', '--random-fully'],
        ...filter,
      ]
  }
}

export interface Home {
  /** The namespace the peer runs in. */
  ns: string
  /** Its address on the home link (private, behind the NAT). */
  ip: string
  /** The NAT's outside address. */
  wanIp: string
  nat: NatKind
}

export class NatTopology {
  readonly pub = `${RUN}-pub`
  readonly #namespaces: string[] = []

  /** The public namespace with the service address; it forwards between its links. */
  createPublic(): void {
    this.#addNs(this.pub)
    inNs(this.pub, 'ip', ['link', 'set', 'lo', 'up'])
    inNs(this.pub, 'ip', ['addr', 'add', `${PUBLIC_SERVICE_IP}/32`, 'dev', 'lo'])
    inNs(this.pub, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'])
  }

  /**
   * One home behind a NAT of `kind`; `slot` (1–60) picks its addresses: NAT outside
   * 172.16.<slot>.2 (public side .1), home 10.<slot>.0.2 behind 10.<slot>.0.1.
   */
  createHome(slot: number, kind: NatKind): Home {
    if (!Number.isInteger(slot) || slot < 1 || slot > 60) throw new RangeError(`bad slot ${slot}`)
    const nat = `${RUN}-nat${slot}`
    const home = `${RUN}-home${slot}`
    const wanIp = `172.16.${slot}.2`
    const homeIp = `10.${slot}.0.2`
    this.#addNs(nat)
    this.#addNs(home)
    // public <-> NAT (outside link); NAT <-> home (inside link)
    run('ip', [
      'link',
      'add',
      `up${slot}`,
      'netns',
      this.pub,
      'type',
      'veth',
      'peer',
      'name',
      'wan',
      'netns',
      nat,
    ])
    run('ip', [
      'link',
      'add',
      'lan',
      'netns',
      nat,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      home,
    ])
    inNs(this.pub, 'ip', ['addr', 'add', `172.16.${slot}.1/24`, 'dev', `up${slot}`])
    inNs(this.pub, 'ip', ['link', 'set', `up${slot}`, 'up'])
    for (const [ns, cmds] of [
      [
        nat,
        [
          ['addr', 'add', `${wanIp}/24`, 'dev', 'wan'],
          ['addr', 'add', `10.${slot}.0.1/24`, 'dev', 'lan'],
          ['link', 'set', 'lo', 'up'],
          ['link', 'set', 'wan', 'up'],
          ['link', 'set', 'lan', 'up'],
          ['route', 'add', 'default', 'via', `172.16.${slot}.1`],
        ],
      ],
      [
        home,
        [
          ['addr', 'add', `${homeIp}/24`, 'dev', 'eth0'],
          ['link', 'set', 'lo', 'up'],
          ['link', 'set', 'eth0', 'up'],
          ['route', 'add', 'default', 'via', `10.${slot}.0.1`],
        ],
      ],
    ] as const) {
      for (const c of cmds) inNs(ns, 'ip', [...c])
    }
    // IPv6 off inside the test network: link-local candidates could not cross it anyway.
    for (const ns of [nat, home]) {
      inNs(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1'])
    }
    inNs(nat, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'])
    for (const rule of natRules(kind)) inNs(nat, 'iptables', rule)
    if (kind === 'full-cone') inNs(nat, 'nft', ['-f', '-'], fullConeRules(wanIp, homeIp))
    return { ns: home, ip: homeIp, wanIp, nat: kind }
  }

  /** Deletes the namespaces of one home (and with them its links and conntrack state). */
  removeHome(home: Home): void {
    const slot = /home(\d+)$/.exec(home.ns)?.[1]
    for (const ns of [home.ns, `${RUN}-nat${slot}`]) this.#delNs(ns)
  }

  /** Deletes every namespace this topology made; safe to call twice and after a partial build. */
  destroy(): void {
    for (const ns of [...this.#namespaces].reverse()) this.#delNs(ns)
  }

  #addNs(ns: string): void {
    run('ip', ['netns', 'add', ns])
    this.#namespaces.push(ns)
  }

  #delNs(ns: string): void {
    const i = this.#namespaces.indexOf(ns)
    if (i < 0) return
    this.#namespaces.splice(i, 1)
    try {
      run('ip', ['netns', 'del', ns])
    } catch {
      // Gone already.
    }
  }
}
