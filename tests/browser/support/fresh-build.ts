// Reuses build/<target>-test when it is newer than every source it comes from; rebuilds otherwise.
// Builds run in a child process under `flock /tmp/plasmo-build.lock`: two Plasmo builds at the
// same time (another test, another developer's `npm run build`) corrupt each other's output.

import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { outputDir, repoRoot } from '../../../scripts/build-extension.ts'
import type { BrowserTarget, BuildMode } from '../../../plasmo.config.ts'

/** The lock every Plasmo build on this machine takes. */
export const PLASMO_BUILD_LOCK = '/tmp/plasmo-build.lock'
/** A cold build of one target takes ~20 s on the 2-core machine; waiting for the lock adds more. */
const buildTimeoutMs = 600_000

const sources = [
  'extension/src',
  'ui/src',
  'core/src',
  'plasmo.config.ts',
  'extension/package.json',
  'scripts/build-extension.ts',
]

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) return 0
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return newest
}

async function isFresh(target: BrowserTarget, mode: BuildMode = 'test'): Promise<boolean> {
  const built = await stat(join(outputDir(target, mode), 'manifest.json')).catch(() => undefined)
  const newestSource = Math.max(
    ...(await Promise.all(sources.map((s) => newestMtime(join(repoRoot, s))))),
  )
  return built !== undefined && built.mtimeMs >= newestSource
}

function buildLocked(target: BrowserTarget, mode: BuildMode = 'test'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'flock',
      [
        PLASMO_BUILD_LOCK,
        process.execPath,
        'scripts/build-extension.ts',
        '--target',
        target,
        '--mode',
        mode,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGTERM'), buildTimeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`building ${target} failed (exit ${code}):\n${output.slice(-4_000)}`))
    })
  })
}

/** The unpacked `mode` build of `target`, built first (under the lock) when stale or missing. */
export async function freshBuild(target: BrowserTarget, mode: BuildMode): Promise<string> {
  if (!(await isFresh(target, mode))) await buildLocked(target, mode)
  return outputDir(target, mode)
}

/** Returns the unpacked test build of `target`, building it first when stale or missing. */
export async function freshTestBuild(target: BrowserTarget): Promise<string> {
  if (!(await isFresh(target))) await buildLocked(target)
  return outputDir(target, 'test')
}

/**
 * A private copy of the fresh test build, taken under the build lock. Tests that run for minutes
 * (and restart browsers) use it, so another job rebuilding build/ meanwhile cannot pull files
 * from under a running extension.
 */
export async function snapshotTestBuild(
  target: BrowserTarget,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const source = await freshTestBuild(target)
  const parent = await mkdtemp(join(tmpdir(), `hestia-build-${target}-`))
  const dir = join(parent, `${target}-test`)
  await new Promise<void>((resolve, reject) => {
    const child = spawn('flock', [PLASMO_BUILD_LOCK, 'cp', '-a', source, dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let error = ''
    child.stderr.on('data', (chunk: Buffer) => (error += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGTERM'), buildTimeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`copying ${source} failed (exit ${code}): ${error}`))
    })
  })
  return { dir, remove: () => rm(parent, { recursive: true, force: true }) }
}
