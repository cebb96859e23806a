// Bundles the same fixture preview with Parcel and Plasmo's Svelte transformer, the pipeline the
// extension is built with (ADR 0301), so the browser test proves the UI works there too: for
// example that nothing depends on compiling `.svelte.ts` rune modules, which Plasmo's config
// does not do. Output: build/ui-preview-parcel/dist.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { Parcel } from '@parcel/core'

const here = import.meta.dirname
const root = resolve(here, '..', '..', 'build', 'ui-preview-parcel')

export async function buildPreviewWithParcel(): Promise<string> {
  const src = join(root, 'src')
  const dist = join(root, 'dist')
  await rm(root, { recursive: true, force: true })
  await mkdir(src, { recursive: true })
  await writeFile(
    join(src, '.parcelrc'),
    JSON.stringify({
      extends: '@parcel/config-default',
      transformers: { '*.svelte': ['@plasmohq/parcel-transformer-svelte'] },
    }),
  )
  const entry = relative(src, join(here, 'main.ts'))
  const html = await readFile(join(here, 'index.html'), 'utf8')
  await writeFile(
    join(src, 'index.html'),
    html.replace(
      '<script src="preview.js"></script>',
      `<script type="module" src="${entry}"></script>`,
    ),
  )
  // Build in this thread: Parcel's worker threads inherit execArgv, and node --test passes flags
  // that workers reject (ERR_WORKER_INVALID_EXEC_ARGV).
  process.env.PARCEL_WORKERS = '0'
  const bundler = new Parcel({
    entries: join(src, 'index.html'),
    config: join(src, '.parcelrc'),
    mode: 'development',
    shouldDisableCache: true,
    cacheDir: join(root, '.cache'),
    logLevel: 'error',
    // The repository's package.json says engines.node: name a browser target explicitly.
    targets: {
      preview: {
        distDir: dist,
        context: 'browser',
        includeNodeModules: true,
        engines: { browsers: ['chrome >= 120'] },
        outputFormat: 'esmodule',
        sourceMap: false,
      },
    },
  })
  await bundler.run()
  return dist
}
