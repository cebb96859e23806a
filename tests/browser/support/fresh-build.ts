// Reuses build/<target>-test when it is newer than every source it comes from; rebuilds otherwise.

import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { buildExtension, outputDir, repoRoot } from '../../../scripts/build-extension.ts'
import type { BrowserTarget } from '../../../plasmo.config.ts'

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

/** Returns the unpacked test build of `target`, building it first when stale or missing. */
export async function freshTestBuild(target: BrowserTarget): Promise<string> {
  const dir = outputDir(target, 'test')
  const built = await stat(join(dir, 'manifest.json')).catch(() => undefined)
  const newestSource = Math.max(
    ...(await Promise.all(sources.map((s) => newestMtime(join(repoRoot, s))))),
  )
  if (built === undefined || built.mtimeMs < newestSource) {
    await buildExtension(target, 'test')
  }
  return dir
}
