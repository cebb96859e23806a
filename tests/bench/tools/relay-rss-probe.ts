// Relay memory per reserved client, with a heap snapshot of the loaded relay (issue #21):
//   node tests/bench/tools/relay-rss-probe.ts [clients=1000] [snapshot-dir]
// HESTIA_PROBE_RELAY_ENV='{"NODE_OPTIONS":"--max-semi-space-size=1"}' runs the relay with it;
// HESTIA_PROBE_BUDGET_S=1800 starts no further client process after 30 minutes (the figure is
// then for the clients reached; the log says how many).
// The same measurement as relay.rss_per_client_MiB (suites/relay.ts); open the snapshot in
// DevTools (Memory → Load) or read it with tools that parse .heapsnapshot files.

import { mkdirSync } from 'node:fs'
import { rssPerClient } from '../suites/relay.ts'

const clients = Number(process.argv[2] ?? 1000)
const dir = process.argv[3]
if (dir !== undefined && dir !== '') mkdirSync(dir, { recursive: true })
const perClient = await rssPerClient({ clients }, (line) => console.log(line), {
  ...(dir !== undefined && dir !== '' ? { heapSnapshotDir: dir } : {}),
  env: JSON.parse(process.env.HESTIA_PROBE_RELAY_ENV ?? '{}') as NodeJS.ProcessEnv,
  ...(process.env.HESTIA_PROBE_BUDGET_S !== undefined && {
    budgetMs: Number(process.env.HESTIA_PROBE_BUDGET_S) * 1000,
  }),
})
console.log(`relay.rss_per_client_MiB ${perClient.toFixed(3)} with ${clients} clients`)
