// What the relay image ships: relay-node/Dockerfile copies folders of the repository root, and the
// root .dockerignore filters the build context. Evaluates both the way Docker does (COPY sources,
// then the ignore rules through @balena/dockerignore, a Docker-compatible matcher) and checks that
// (1) no test, test support or test vector reaches the image and (2) every module the relay's
// entry point imports, followed through relative and @hestia/* imports, is in the image.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, posix, resolve } from 'node:path'
import type { Ignore } from '@balena/dockerignore'

// A CommonJS module (module.exports = factory) whose typings declare an ES default export:
// load it through require so the types and the runtime agree.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore

const root = resolve(import.meta.dirname, '..', '..')

/** Sources of the final stage's `COPY` lines that read the build context (not `--from=`). */
function contextCopySources(dockerfile: string): string[] {
  const stages = dockerfile.split(/^FROM\s/m)
  const final = stages[stages.length - 1] ?? ''
  const sources: string[] = []
  for (const line of final.split('\n')) {
    const words = line.trim().split(/\s+/)
    if (words[0] !== 'COPY' || words.some((w) => w.startsWith('--from'))) continue
    const args = words.slice(1).filter((w) => !w.startsWith('--'))
    sources.push(...args.slice(0, -1).map((s) => s.replace(/\/$/, '')))
  }
  return sources
}

function walk(relPath: string): string[] {
  const abs = join(root, relPath)
  if (!statSync(abs).isDirectory()) return [relPath]
  return readdirSync(abs).flatMap((name) => walk(posix.join(relPath, name)))
}

/** Repository-relative paths of every file the relay image receives from the build context. */
function imageFiles(): Set<string> {
  const ignore = dockerignore().add(readFileSync(join(root, '.dockerignore'), 'utf8'))
  const sources = contextCopySources(readFileSync(join(root, 'relay-node/Dockerfile'), 'utf8'))
  return new Set(sources.flatMap((s) => walk(s)).filter((f) => !ignore.ignores(f)))
}

const specifierPattern =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g

/** Maps an import of a file to the repository file it loads, or undefined for npm packages. */
function resolveImport(fromFile: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return posix.normalize(posix.join(dirname(fromFile), specifier))
  const workspace = /^@hestia\/(core|relay-node)(?:\/(.*))?$/.exec(specifier)
  if (!workspace) return undefined
  const [, pkg, sub] = workspace
  const manifest = JSON.parse(readFileSync(join(root, pkg!, 'package.json'), 'utf8')) as {
    exports: Record<string, string>
  }
  if (sub === undefined) return posix.join(pkg!, manifest.exports['.']!)
  const key = Object.keys(manifest.exports)
    .filter((k) => k.endsWith('*') && `./${sub}`.startsWith(k.slice(0, -1)))
    .sort((a, b) => b.length - a.length)[0]
  assert.ok(key, `${specifier} is not exported by @hestia/${pkg}`)
  const target = manifest.exports[key]!.replace('*', `./${sub}`.slice(key.length - 1))
  return posix.join(pkg!, target)
}

/** Every repository file reachable from `entry` through relative and @hestia/* imports. */
function importClosure(entry: string): Set<string> {
  const seen = new Set<string>()
  const queue = [entry]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    assert.ok(existsSync(join(root, file)), `${file} (imported by the relay) does not exist`)
    if (!/\.(ts|js)$/.test(file)) continue
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(specifierPattern)) {
      const target = resolveImport(file, m[1] ?? m[2] ?? m[3]!)
      if (target !== undefined) queue.push(target)
    }
  }
  return seen
}

test('the relay image contains no tests, test support or test vectors', () => {
  const files = [...imageFiles()]
  assert.ok(files.length > 0, 'the Dockerfile copies nothing from the context')
  const testOnly = files.filter(
    (f) =>
      /\.test\.ts$/.test(f) ||
      f.includes('/test-support/') ||
      f.startsWith('tests/') ||
      f.includes('/golden/'),
  )
  assert.deepEqual(testOnly, [])
})

test('the relay image contains every module the relay entry point imports', () => {
  const files = imageFiles()
  const entry = 'relay-node/bin/hestia-relay.js'
  const closure = importClosure(entry)
  assert.ok(
    [...closure].some((f) => f.startsWith('core/src/')),
    'the walk reached core',
  )
  const missing = [...closure].filter((f) => !files.has(f))
  assert.deepEqual(missing, [], `imported by ${entry} but not in the image`)
})

test('the ignore rules are what keep tests out: without them the copied folders hold tests', () => {
  const sources = contextCopySources(readFileSync(join(root, 'relay-node/Dockerfile'), 'utf8'))
  const unfiltered = sources.flatMap((s) => walk(s))
  assert.ok(unfiltered.some((f) => f.endsWith('.test.ts')))
})
