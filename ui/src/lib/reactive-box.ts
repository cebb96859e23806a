// A reactive cell for state classes written in plain TypeScript.
//
// Why not `$state` fields in a .svelte.ts module: the extension is built by Plasmo's Parcel
// config, which runs the Svelte compiler on `*.svelte` only, so runes in a `.svelte.ts` file would
// reach the popup uncompiled (`$state is not defined`). SvelteMap (svelte/reactivity) is reactive
// without compilation: reading `value` in a component, `$derived` or `$effect` tracks it, and
// assigning a different value (by `===`) updates them. Values are not deeply proxied (like
// `$state.raw`): replace objects and arrays instead of mutating them.
import { SvelteMap } from 'svelte/reactivity'

export class Box<T> {
  readonly #cell: SvelteMap<0, T>

  constructor(initial: T) {
    this.#cell = new SvelteMap<0, T>([[0, initial]])
  }

  get value(): T {
    return this.#cell.get(0) as T
  }

  set value(next: T) {
    this.#cell.set(0, next)
  }
}
