// What a later V8 heap snapshot holds that an earlier one of the same page did not (object ids are
// stable within one page's life, so "new" is an id absent from the earlier snapshot):
//
//   node tests/bench/tools/heap-snapshot-diff.ts before.heapsnapshot after.heapsnapshot [--top N]
//
// Prints the new objects by constructor (count, self bytes), then by holder: for each new object,
// the shortest path from the GC roots (strong edges only) is followed up to the first object that
// already existed, and new bytes are summed by that old holder and the edge it holds them by —
// which long-lived structure keeps growing. Then one example path per top holder.

import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[]
      node_types: [string[]]
      edge_fields: string[]
      edge_types: [string[]]
    }
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** The parts of a snapshot the diff needs, in flat arrays indexed by node ordinal. */
interface Heap {
  count: number
  ids: Float64Array
  selfSize: Float64Array
  label: string[]
  /** Shortest strong path from the root: parent ordinal (-1 for the root or unreachable). */
  parent: Int32Array
  /** The edge name from the parent. */
  parentEdge: string[]
}

async function load(path: string): Promise<Heap> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as RawSnapshot
  const { meta } = raw.snapshot
  const nf = meta.node_fields.length
  const ef = meta.edge_fields.length
  const [nType, nName, nId, nSize, nEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map(
    (f) => meta.node_fields.indexOf(f),
  ) as [number, number, number, number, number]
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) =>
    meta.edge_fields.indexOf(f),
  ) as [number, number, number]
  const nodeTypes = meta.node_types[0]
  const edgeTypes = meta.edge_types[0]
  const count = raw.nodes.length / nf
  const ids = new Float64Array(count)
  const selfSize = new Float64Array(count)
  const label: string[] = new Array<string>(count)
  const firstEdge = new Int32Array(count + 1)
  for (let i = 0, e = 0; i < count; i++) {
    const base = i * nf
    ids[i] = raw.nodes[base + nId]!
    selfSize[i] = raw.nodes[base + nSize]!
    const type = nodeTypes[raw.nodes[base + nType]!]!
    const name = raw.strings[raw.nodes[base + nName]!]!
    label[i] = type === 'object' || type === 'native' ? name : `(${type}) ${name.slice(0, 60)}`
    firstEdge[i] = e
    e += raw.nodes[base + nEdges]! * ef
    firstEdge[i + 1] = e
  }
  const parent = new Int32Array(count).fill(-1)
  const parentEdge: string[] = new Array<string>(count).fill('')
  const seen = new Uint8Array(count)
  const queue = new Int32Array(count)
  let head = 0
  let tail = 0
  queue[tail++] = 0
  seen[0] = 1
  while (head < tail) {
    const from = queue[head++]!
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += ef) {
      const type = edgeTypes[raw.edges[e + eType]!]
      if (type === 'weak' || type === 'shortcut') continue
      const to = raw.edges[e + eTo]! / nf
      if (seen[to] === 1) continue
      seen[to] = 1
      parent[to] = from
      const nameOrIndex = raw.edges[e + eName]!
      parentEdge[to] =
        type === 'element' || type === 'hidden'
          ? `[${nameOrIndex}]`
          : (raw.strings[nameOrIndex] ?? String(nameOrIndex))
      queue[tail++] = to
    }
  }
  return { count, ids, selfSize, label, parent, parentEdge }
}

function top(map: Map<string, { n: number; bytes: number }>, n: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, n)
    .map(
      ([k, v]) => `${(v.bytes / 1024).toFixed(1).padStart(9)} KiB ${String(v.n).padStart(7)}  ${k}`,
    )
}

function add(map: Map<string, { n: number; bytes: number }>, key: string, bytes: number): void {
  const entry = map.get(key) ?? { n: 0, bytes: 0 }
  entry.n++
  entry.bytes += bytes
  map.set(key, entry)
}

function pathOf(heap: Heap, node: number): string {
  const steps: string[] = []
  for (let at = node; at > 0 && steps.length < 24; at = heap.parent[at]!)
    steps.push(`${heap.label[at]} .${heap.parentEdge[at]}`)
  return steps.reverse().join('\n      → ')
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
})
if (positionals.length !== 2) throw new Error('usage: heap-snapshot-diff.ts BEFORE AFTER [--top N]')
const n = Number(values.top)
const before = await load(positionals[0]!)
const after = await load(positionals[1]!)
const old = new Set<number>(before.ids)

const isNew = new Uint8Array(after.count)
let newBytes = 0
let reachableNewBytes = 0
const byConstructor = new Map<string, { n: number; bytes: number }>()
for (let i = 0; i < after.count; i++) {
  if (old.has(after.ids[i]!)) continue
  isNew[i] = 1
  newBytes += after.selfSize[i]!
  if (after.parent[i] !== -1) reachableNewBytes += after.selfSize[i]!
  add(byConstructor, after.label[i]!, after.selfSize[i]!)
}
const sum = (h: Heap): number => h.selfSize.reduce((a, b) => a + b, 0)
console.log(
  `total self size ${(sum(before) / 1048576).toFixed(2)} → ${(sum(after) / 1048576).toFixed(2)} MiB; ` +
    `new objects ${(newBytes / 1048576).toFixed(2)} MiB (${(reachableNewBytes / 1048576).toFixed(2)} reachable)`,
)
const totals = (h: Heap): Map<string, { n: number; bytes: number }> => {
  const map = new Map<string, { n: number; bytes: number }>()
  for (let i = 0; i < h.count; i++) add(map, h.label[i]!, h.selfSize[i]!)
  return map
}
const totalsBefore = totals(before)
const net = [...totals(after).entries()].map(([k, v]) => {
  const b = totalsBefore.get(k) ?? { n: 0, bytes: 0 }
  return { k, n: v.n - b.n, bytes: v.bytes - b.bytes }
})
for (const [k, b] of totalsBefore)
  if (!net.some((e) => e.k === k)) net.push({ k, n: -b.n, bytes: -b.bytes })
console.log('\nnet change by constructor (after − before):')
for (const e of net.sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes)).slice(0, n))
  console.log(`${(e.bytes / 1024).toFixed(1).padStart(9)} KiB ${String(e.n).padStart(7)}  ${e.k}`)
const contexts = (h: Heap): string[] =>
  h.label.filter(
    (l) =>
      l.startsWith('(hidden) system / NativeContext') || l.startsWith('system / NativeContext'),
  )
console.log(`\nnative contexts: ${contexts(before).length} → ${contexts(after).length}`)
for (const c of contexts(after)) console.log(`  ${c}`)
console.log('\nnew objects by constructor:')
for (const line of top(byConstructor, n)) console.log(line)

const byHolder = new Map<string, { n: number; bytes: number }>()
const example = new Map<string, number>()
/** Compiled code and object shapes: V8's own, grown by tier-up, not held by our data. */
const isCode = (label: string): boolean => /^\((code|object shape)\)/.test(label)
let codeBytes = 0
for (let i = 0; i < after.count; i++) {
  if (isNew[i] !== 1 || after.parent[i] === -1) continue
  if (isCode(after.label[i]!)) {
    codeBytes += after.selfSize[i]!
    continue
  }
  let at = i
  while (after.parent[at]! > 0 && isNew[after.parent[at]!] === 1) at = after.parent[at]!
  const holder = after.parent[at]!
  const key = `${after.label[holder]} .${after.parentEdge[at]}`
  add(byHolder, key, after.selfSize[i]!)
  if (!example.has(key)) example.set(key, i)
}
console.log(`\nnew code and object shapes: ${(codeBytes / 1048576).toFixed(2)} MiB`)
console.log('\nother new bytes by the old object holding them (and its edge):')
const holders = top(byHolder, n)
for (const line of holders) console.log(line)
console.log('\nexample paths (root → new object):')
for (const [key] of [...byHolder.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8)) {
  const node = example.get(key)!
  let holder = node
  while (after.parent[holder]! > 0 && isNew[after.parent[holder]!] === 1)
    holder = after.parent[holder]!
  console.log(
    `  ${key}:\n      → ${pathOf(after, after.parent[holder]!)}\n      ⇒ ${after.label[node]}`,
  )
}
