/**
 * Reads a V8 .cpuprofile (`node --cpu-prof`) and prints where the time went: self time by package
 * (node_modules/<name>, our workspaces, node internals) and the functions with the most self
 * time. Used for the direct-message profile (scripts/profile-direct-message.ts, BENCHMARKS.md).
 *
 *   node_modules/.bin/node scripts/cpu-profile-summary.ts PROFILE.cpuprofile [TOP=25]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const [file, topArg] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: cpu-profile-summary.ts PROFILE.cpuprofile [TOP=25]')
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile

// Self time per node: each sample's delta belongs to the node sampled.
const selfUs = new Map<number, number>()
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
})
const byId = new Map(profile.nodes.map((n) => [n.id, n]))

/** node_modules/<pkg> (scoped too), a workspace (core/relay-node/tests/scripts), or node/V8. */
function ownerOf(url: string, name: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m !== null) return m[1]!
  const w = /\/(core|relay-node|tests|scripts|extension)\//.exec(url)
  if (w !== null) return w[1]!
  if (url.startsWith('node:')) return 'node internals'
  return name === '(idle)' || name === '(program)' || name === '(garbage collector)'
    ? name
    : '(native / V8)'
}

const byOwner = new Map<string, number>()
const byFunction = new Map<string, number>()
let total = 0
for (const [id, us] of selfUs) {
  const node = byId.get(id)
  if (node === undefined) continue
  const { functionName, url, lineNumber } = node.callFrame
  total += us
  const owner = ownerOf(url, functionName)
  byOwner.set(owner, (byOwner.get(owner) ?? 0) + us)
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/main\//, '')
  const key = `${functionName || '(anonymous)'}  ${short}:${lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + us)
}
const busy = total - (byOwner.get('(idle)') ?? 0)
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`

console.log(
  `${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle`,
)
console.log('\nself time by owner (share of non-idle time)')
for (const [owner, us] of [...byOwner].sort((x, y) => y[1] - x[1]).slice(0, top)) {
  if (owner === '(idle)') continue
  console.log(`${ms(us)} ${pct(us)}  ${owner}`)
}
console.log(`\ntop ${top} functions by self time`)
for (const [key, us] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, top + 1)) {
  if (key.startsWith('(idle)')) continue
  console.log(`${ms(us)} ${pct(us)}  ${key}`)
}
