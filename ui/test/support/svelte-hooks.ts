// Lets Node import .svelte components in component tests: a synchronous module-loader hook
// (module.registerHooks, Node >= 23.5) compiles them with svelte/compiler for the server, so
// tests render them with svelte/server. See docs/adr/0601.
import { readFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { fileURLToPath } from 'node:url'
import { compile } from 'svelte/compiler'

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
      return nextLoad(url, context)
    },
  })
}
