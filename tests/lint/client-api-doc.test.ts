// docs/protocol/client-api.md names every request the client API has (core/src/client/api/
// requests.ts, listed at run time by CLIENT_REQUEST_TYPES), and no request that does not exist: a
// UI author reads the page, not the types. Rows may group requests ("`call.accept` / `decline`").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CLIENT_REQUEST_TYPES } from '@hestia/core/client/validate.ts'

const DOC = resolve(import.meta.dirname, '..', '..', 'docs', 'protocol', 'client-api.md')

/** The request types named in the first column of the tables between "## Requests" and the next "## ". */
export function documentedRequests(markdown: string): string[] {
  const start = markdown.indexOf('\n## Requests')
  assert.notEqual(start, -1, 'client-api.md has a "## Requests" section')
  const end = markdown.indexOf('\n## ', start + 1)
  const section = markdown.slice(start, end === -1 ? undefined : end)
  const names: string[] = []
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) continue
    const first = line.split('|')[1] ?? ''
    const cells = [...first.matchAll(/`([a-zA-Z.]+)`/g)].map((m) => m[1]!)
    // "`transfer.accept` / `decline`": a bare name takes the area of the first one.
    const area = cells[0]?.includes('.') === true ? cells[0].split('.')[0] : undefined
    for (const cell of cells) names.push(cell.includes('.') ? cell : `${area}.${cell}`)
  }
  return names
}

test('client-api.md lists every request type, each once, and nothing else', () => {
  const documented = documentedRequests(readFileSync(DOC, 'utf8'))
  const duplicates = documented.filter((name, i) => documented.indexOf(name) !== i)
  assert.deepEqual(duplicates, [], 'no request documented twice')
  const known = new Set<string>(CLIENT_REQUEST_TYPES)
  const missing = CLIENT_REQUEST_TYPES.filter((t) => !documented.includes(t))
  const unknown = documented.filter((name) => !known.has(name))
  assert.deepEqual(missing, [], 'every request in requests.ts is in client-api.md')
  assert.deepEqual(unknown, [], 'client-api.md names no request that does not exist')
})

test('the parser finds a request missing from a table (so the check above can fail)', () => {
  const doc = [
    '# Client API',
    '## Requests',
    '| type | params |',
    '| --- | --- |',
    '| `call.accept` / `decline` | `callId` |',
    '| `settings.get` | – |',
    '## Events',
    '| `identity.changed` | x |',
  ].join('\n')
  assert.deepEqual(documentedRequests(doc), ['call.accept', 'call.decline', 'settings.get'])
})
