// Builds the extension for each browser target: runs Plasmo (from extension/, where its
// package.json "manifest" lives), applies plasmo.config.ts to the manifest Plasmo wrote,
// drops what a target does not use, zips, and optionally runs web-ext lint.
//
//   npm run build                                   # both targets, test mode
//   npm run build -- --target chrome-mv3 --mode prod --lint     (--target chrome|firefox|all, --mode test|prod|all)
//
// Outputs: build/<target>-<mode>/ (unpacked) and build/hestia-<target>-<mode>.zip.

import { spawn } from 'node:child_process'
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import webExt from 'web-ext'
import {
  browserTargets,
  buildModes,
  isBrowserTarget,
  isBuildMode,
  manifestSurfaceProblems,
  offscreenDocumentPath,
  patchManifest,
  type BrowserTarget,
  type BuildMode,
  type Manifest,
} from '../plasmo.config.ts'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const extensionDir = join(repoRoot, 'extension')
export const buildRoot = join(repoRoot, 'build')

export function outputDir(target: BrowserTarget, mode: BuildMode): string {
  return join(buildRoot, `${target}-${mode}`)
}

export function zipPath(target: BrowserTarget, mode: BuildMode): string {
  return join(buildRoot, `hestia-${target}-${mode}.zip`)
}

export interface LintReport {
  readonly errors: number
  readonly warnings: readonly { code: string; message: string; file?: string }[]
}

export interface BuildReport {
  readonly target: BrowserTarget
  readonly mode: BuildMode
  readonly dir: string
  readonly zip: string
  readonly buildMs: number
  readonly unpackedBytes: number
  readonly zipBytes: number
  readonly lint?: LintReport
}

function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      // Plasmo prints errors and still exits 0 sometimes: look for its DONE line as well.
      if (code === 0 && /DONE/.test(output)) resolvePromise(output)
      else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output}`))
    })
  })
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}

/** Firefox has no offscreen documents: remove the page and the scripts only it loads. */
async function dropOffscreenDocument(dir: string): Promise<void> {
  const htmlPath = join(dir, offscreenDocumentPath)
  const html = await readFile(htmlPath, 'utf8').catch(() => undefined)
  if (html === undefined) return
  const scripts = [...html.matchAll(/src="\/?([^"]+)"/g)]
    .map((m) => m[1])
    .filter((s) => s !== undefined)
  await Promise.all(
    [htmlPath, ...scripts.map((s) => join(dir, s))].map((p) => rm(p, { force: true })),
  )
  await rm(dirname(htmlPath), { recursive: false }).catch(() => undefined)
}

async function lint(dir: string): Promise<LintReport> {
  const result = (await webExt.cmd.lint(
    { sourceDir: dir, output: 'none', artifactsDir: join(dir, '..', 'lint') },
    { shouldExitProgram: false },
  )) as { errors: unknown[]; warnings: { code: string; message: string; file?: string }[] }
  return {
    errors: result.errors.length,
    warnings: result.warnings.map(({ code, message, file }) => ({ code, message, file })),
  }
}

async function zip(dir: string, target: BrowserTarget, mode: BuildMode): Promise<string> {
  const destination = zipPath(target, mode)
  await rm(destination, { force: true })
  await webExt.cmd.build(
    {
      sourceDir: dir,
      artifactsDir: buildRoot,
      filename: relative(buildRoot, destination),
      overwriteDest: true,
    },
    { showReadyMessage: false },
  )
  return destination
}

// Builds share Plasmo's Parcel cache (extension/.plasmo): two at once corrupt each other's output.
let buildQueue: Promise<unknown> = Promise.resolve()

/** Builds one target; calls in the same process run one after another. */
export function buildExtension(
  target: BrowserTarget,
  mode: BuildMode,
  options: { lint?: boolean } = {},
): Promise<BuildReport> {
  const next = buildQueue.then(() => buildOne(target, mode, options))
  buildQueue = next.catch(() => undefined)
  return next
}

async function buildOne(
  target: BrowserTarget,
  mode: BuildMode,
  options: { lint?: boolean },
): Promise<BuildReport> {
  const started = performance.now()
  const plasmo = join(repoRoot, 'node_modules', '.bin', 'plasmo')
  await run(
    plasmo,
    [
      'build',
      '--src-path=src',
      '--build-path=../build',
      `--target=${target}`,
      `--tag=${mode}`,
      '--hoist',
    ],
    extensionDir,
  )
  const dir = outputDir(target, mode)
  const manifestPath = join(dir, 'manifest.json')
  const built = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest
  const manifest = patchManifest(built, target, mode)
  // The allow-list is part of the build: a manifest that grew a permission, a content script or a
  // web-accessible resource does not come out of it (plasmo.config.ts MANIFEST_ALLOW_LIST).
  const problems = manifestSurfaceProblems(manifest, target, mode)
  if (problems.length > 0)
    throw new Error(`the ${target}-${mode} manifest may not ship:\n  ${problems.join('\n  ')}`)
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  if (target !== 'chrome-mv3') await dropOffscreenDocument(dir)
  const buildMs = Math.round(performance.now() - started)
  const zipFile = await zip(dir, target, mode)
  const report: BuildReport = {
    target,
    mode,
    dir,
    zip: zipFile,
    buildMs,
    unpackedBytes: await directoryBytes(dir),
    zipBytes: (await stat(zipFile)).size,
    ...(options.lint === true ? { lint: await lint(dir) } : {}),
  }
  return report
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'all' },
      mode: { type: 'string', default: 'test' },
      lint: { type: 'boolean', default: false },
    },
  })
  const aliases: Record<string, BrowserTarget> = { chrome: 'chrome-mv3', firefox: 'firefox-mv2' }
  const targets =
    values.target === 'all' ? [...browserTargets] : [aliases[values.target] ?? values.target]
  const modes = values.mode === 'all' ? [...buildModes] : [values.mode]
  let failed = false
  // One at a time: the builds share Plasmo's Parcel cache in extension/.plasmo.
  for (const target of targets) {
    for (const mode of modes) {
      if (!isBrowserTarget(target) || !isBuildMode(mode)) {
        throw new Error(
          `Unknown --target ${target} / --mode ${mode}: use ${browserTargets.join('|')}|all and ${buildModes.join('|')}|all.`,
        )
      }
      const r = await buildExtension(target, mode, { lint: values.lint })
      console.log(
        `${target}-${mode}: built in ${(r.buildMs / 1000).toFixed(1)} s, ${kib(r.unpackedBytes)} unpacked, ${kib(r.zipBytes)} zip → ${relative(repoRoot, r.dir)}, ${relative(repoRoot, r.zip)}`,
      )
      if (r.lint !== undefined) {
        console.log(`  web-ext lint: ${r.lint.errors} errors, ${r.lint.warnings.length} warnings`)
        for (const w of r.lint.warnings) console.log(`    ${w.code} ${w.file ?? ''}: ${w.message}`)
        if (r.lint.errors > 0) failed = true
      }
    }
  }
  if (failed) process.exitCode = 1
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main()
}
