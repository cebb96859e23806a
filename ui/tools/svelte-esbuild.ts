// esbuild plugin: compiles .svelte components with svelte/compiler (as the extension's Parcel
// transformer does; state classes are plain .ts, see ui/src/lib/reactive-box.ts).
// CSS is injected by the component at runtime (style elements; extension CSP limits scripts only).
import { readFile } from 'node:fs/promises'
import type { Plugin } from 'esbuild'
import { compile } from 'svelte/compiler'

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
    },
  }
}
