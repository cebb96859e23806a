// esbuild plugin: compiles .svelte components and .svelte.ts rune modules with svelte/compiler.
// CSS is injected by the component at runtime (style elements; extension CSP limits scripts only).
import { readFile } from 'node:fs/promises'
import type { Plugin } from 'esbuild'
import { transform } from 'esbuild'
import { compile, compileModule } from 'svelte/compiler'

export function sveltePlugin(options: { dev?: boolean } = {}): Plugin {
  return {
    name: 'hestia-svelte',
    setup(build) {
      build.onLoad({ filter: /\.svelte$/ }, async ({ path }) => {
        const source = await readFile(path, 'utf8')
        const { js, warnings } = compile(source, {
          filename: path,
          generate: 'client',
          css: 'injected',
          dev: options.dev ?? false,
        })
        return {
          contents: js.code,
          loader: 'js',
          warnings: warnings.map((w) => ({ text: `${w.code}: ${w.message}` })),
        }
      })
      build.onLoad({ filter: /\.svelte\.ts$/ }, async ({ path }) => {
        const source = await readFile(path, 'utf8')
        const stripped = await transform(source, { loader: 'ts', format: 'esm' })
        const { js } = compileModule(stripped.code, {
          filename: path,
          generate: 'client',
          dev: options.dev ?? false,
        })
        return { contents: js.code, loader: 'js' }
      })
    },
  }
}
