// CPU time of a browser, read from /proc outside it: every process whose command line names the
// profile directory (the browser) and all their descendants (renderers, GPU, utility processes).
// Linux only.
//
//   const before = browserCpuTicks(profileDir); ...; const pct = cpuPercent(before, browserCpuTicks(profileDir), ms)

import { readdirSync, readFileSync } from 'node:fs'

/** USER_HZ: /proc/<pid>/stat counts in these (100 on Linux unless the kernel says otherwise). */
const TICKS_PER_S = 100

interface ProcStat {
  pid: number
  ppid: number
  /** utime + stime, plus cutime + cstime (children it already reaped). */
  ticks: number
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may hold spaces: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
    const n = (field: number) => Number(fields[field - 3])
    return { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) }
  } catch {
    return undefined // gone meanwhile
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return ''
  }
}

/** Total CPU ticks of the browser using `profileDir` and its descendants; and how many processes. */
export function browserCpuTicks(profileDir: string): { ticks: number; processes: number } {
  const stats = new Map<number, ProcStat>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const stat = readStat(pid)
    if (stat !== undefined) stats.set(pid, stat)
  }
  const roots = [...stats.values()].filter(
    (s) =>
      cmdline(s.pid).includes(`--user-data-dir=${profileDir}`) && !isChromium(stats.get(s.ppid)),
  )
  if (roots.length === 0) throw new Error(`no browser process runs with the profile ${profileDir}`)
  const members = new Set(roots.map((r) => r.pid))
  // Descendants: repeat until no new child joins (the tree is a few levels deep).
  for (let grew = true; grew;) {
    grew = false
    for (const s of stats.values()) {
      if (!members.has(s.pid) && members.has(s.ppid)) {
        members.add(s.pid)
        grew = true
      }
    }
  }
  let ticks = 0
  for (const pid of members) ticks += stats.get(pid)?.ticks ?? 0
  return { ticks, processes: members.size }
}

function isChromium(stat: ProcStat | undefined): boolean {
  return stat !== undefined && /chrom/i.test(cmdline(stat.pid).split('\0')[0] ?? '')
}

/** CPU use between two readings, in % of one core. */
export function cpuPercent(beforeTicks: number, afterTicks: number, elapsedMs: number): number {
  return ((afterTicks - beforeTicks) / TICKS_PER_S / (elapsedMs / 1000)) * 100
}
