// Builds the fixture preview (ui/preview) into build/ui-preview with esbuild + svelte/compiler.
// `node ui/preview/build.ts` builds once; the browser tests call buildPreview().
import { copyFile, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { sveltePlugin } from '../tools/svelte-esbuild.ts'

const here = import.meta.dirname
export const previewDir = resolve(here, '..', '..', 'build', 'ui-preview')

/** `dev` compiles components with Svelte's dev checks, as Plasmo's development builds do. */
export async function buildPreview(
  outDir = previewDir,
  options: { dev?: boolean } = {},
): Promise<string> {
  await mkdir(outDir, { recursive: true })
  const result = await build({
    entryPoints: [join(here, 'main.ts')],
    outfile: join(outDir, 'preview.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    conditions: ['svelte', 'browser'],
    mainFields: ['svelte', 'browser', 'module', 'main'],
    sourcemap: true,
    minify: false,
    logLevel: 'warning',
    logOverride: { 'tsconfig.json': 'silent' },
    plugins: [sveltePlugin({ dev: options.dev ?? false })],
  })
  if (result.errors.length > 0) throw new Error(`Preview build failed: ${result.errors[0]?.text}`)
  await copyFile(join(here, 'index.html'), join(outDir, 'index.html'))
  return outDir
}

if (import.meta.main) {
  const dir = await buildPreview()
  console.log(`Built the fixture preview: ${join(dir, 'index.html')}`)
}
