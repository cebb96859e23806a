// Lets Node import .svelte components and .svelte.ts rune modules in component tests: a
// synchronous module-loader hook (module.registerHooks, Node >= 23.5) compiles them with
// svelte/compiler for the server, so tests render with svelte/server. See docs/adr/0601.
import { readFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'esbuild'
import { compile, compileModule } from 'svelte/compiler'

let registered = false

export function registerSvelteHooks(): void {
  if (registered) return
  registered = true
  registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith('file:') && url.endsWith('.svelte')) {
        const filename = fileURLToPath(url)
        const { js } = compile(readFileSync(filename, 'utf8'), { filename, generate: 'server' })
        return { format: 'module', source: js.code, shortCircuit: true }
      }
      if (url.startsWith('file:') && url.endsWith('.svelte.ts')) {
        const filename = fileURLToPath(url)
        const plain = transformSync(readFileSync(filename, 'utf8'), { loader: 'ts', format: 'esm' })
        const { js } = compileModule(plain.code, { filename, generate: 'server' })
        return { format: 'module', source: js.code, shortCircuit: true }
      }
      return nextLoad(url, context)
    },
  })
}
