// Renders a component to HTML with svelte/server and reads back what a person would perceive:
// visible text, and elements with their attributes (disabled, aria-label, …).
import { render } from 'svelte/server'
import type { Component } from 'svelte'
import { registerSvelteHooks } from './svelte-hooks.ts'

registerSvelteHooks()

export interface Rendered {
  html: string
  /** Text content with tags removed and whitespace collapsed (includes screen-reader-only text). */
  text: string
  /** Elements with this tag name, with their attributes. */
  elements(tag: string): Element[]
  /** The first element of this tag whose attributes include all of `match`. */
  find(tag: string, match: Record<string, string | true>): Element | undefined
  /** Visible text inside the first `tag` element with this attribute value (no nesting of `tag`). */
  textWithin(tag: string, attribute: string, value: string): string | undefined
}

export interface Element {
  tag: string
  attrs: Record<string, string>
  has(name: string): boolean
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, code: string) => {
    if (code.startsWith('#x') || code.startsWith('#X'))
      return String.fromCodePoint(parseInt(code.slice(2), 16))
    if (code.startsWith('#')) return String.fromCodePoint(parseInt(code.slice(1), 10))
    return ENTITIES[code.toLowerCase()] ?? whole
  })
}

function visibleText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<style[\s\S]*?<\/style>/gi, '')
      // <bdi> isolates a name inside a word run ("Bob's"): it adds no space in a browser either.
      .replace(/<\/?bdi\b[^>]*>/gi, '')
      .replace(/<[^>]+>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim()
}

function parseElements(html: string, tag: string): Element[] {
  const out: Element[] = []
  const open = new RegExp(`<${tag}(\\s[^>]*)?>`, 'gi')
  for (const match of html.matchAll(open)) {
    const attrs: Record<string, string> = {}
    const source = match[1] ?? ''
    for (const attr of source.matchAll(/([^\s=/>]+)(?:="([^"]*)")?/g)) {
      const name = attr[1]
      if (name !== undefined) attrs[name.toLowerCase()] = decodeEntities(attr[2] ?? '')
    }
    out.push({ tag, attrs, has: (name) => name in attrs })
  }
  return out
}

/** Renders a .svelte file (path relative to ui/src) with props. */
export async function renderFile(
  path: string,
  props: Record<string, unknown> = {},
): Promise<Rendered> {
  const url = new URL(`../../src/${path}`, import.meta.url).href
  const module = (await import(url)) as { default: Component<Record<string, unknown>> }
  const result = await render(module.default, { props })
  const html = result.body
  return {
    html,
    text: visibleText(html),
    elements: (tag) => parseElements(html, tag),
    textWithin: (tag, attribute, value) => {
      const start = html.search(
        new RegExp(`<${tag}\\s[^>]*${attribute}="${value.replace(/[^\w-]/g, '\\$&')}"`, 'i'),
      )
      if (start < 0) return undefined
      const end = html.indexOf(`</${tag}>`, start)
      return visibleText(html.slice(start, end < 0 ? undefined : end))
    },
    find: (tag, match) =>
      parseElements(html, tag).find((element) =>
        Object.entries(match).every(([name, value]) =>
          value === true ? element.has(name) : element.attrs[name] === value,
        ),
      ),
  }
}
