// Lets TypeScript import .svelte files; pages cast the component to its props type.
declare module '*.svelte' {
  import type { Component } from 'svelte'
  const component: Component<Record<string, unknown>>
  export default component
}
