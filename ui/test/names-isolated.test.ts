// Issue 14, finding 5: wherever a component puts a contact's (or our own) display name into the
// page as text, it sits directly in a <bdi> (or an element with `dir`), so its direction cannot
// reorder the words around it.
// Parses every component with Svelte's compiler and checks each text interpolation of a name.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'svelte/compiler'

const components = join(import.meta.dirname, '..', 'src', 'components')

/** Expressions that hold a display name (contact's or our own), as the components spell them. */
const NAME_EXPRESSION = /^(?:[\w.]+\.)?(?:displayName|contactName|name)$/

/** Template nodes as the compiler gives them (only what the walk needs). */
interface TemplateNode {
  type: string
  name?: string
  start: number
  end: number
  expression?: { start: number; end: number }
  [key: string]: unknown
}

function children(node: TemplateNode): TemplateNode[] {
  const out: TemplateNode[] = []
  for (const value of Object.values(node)) {
    const list = Array.isArray(value) ? value : [value]
    for (const item of list) {
      if (item !== null && typeof item === 'object' && 'type' in item && 'start' in item)
        out.push(item as TemplateNode)
      else if (item !== null && typeof item === 'object' && 'nodes' in item)
        out.push(...((item as { nodes: TemplateNode[] }).nodes ?? []))
    }
  }
  return out
}

/** An element that isolates its text: <bdi>, or any element with a `dir` attribute. */
function isolates(node: TemplateNode): boolean {
  if (node.name === 'bdi') return true
  const attributes = Array.isArray(node.attributes) ? (node.attributes as TemplateNode[]) : []
  return attributes.some((a) => a.type === 'Attribute' && a.name === 'dir')
}

/** Text interpolations of a name whose closest element does not isolate it. */
function unisolated(source: string): string[] {
  const ast = parse(source, { modern: true }) as unknown as { fragment: TemplateNode }
  const found: string[] = []
  const walk = (node: TemplateNode, isolated: boolean): void => {
    const isElement = node.type === 'RegularElement' || node.type === 'Component'
    if (node.type === 'ExpressionTag' && node.expression) {
      const text = source.slice(node.expression.start, node.expression.end)
      // The file-name and file-card components name files, not people.
      if (NAME_EXPRESSION.test(text) && !isolated && !text.startsWith('body.'))
        found.push(`${text} (line ${source.slice(0, node.start).split('\n').length})`)
      return
    }
    // Attribute values (aria-label, title, props) are not laid out as text: skip them.
    if (node.type === 'Attribute') return
    for (const child of children(node)) walk(child, isElement ? isolates(node) : isolated)
  }
  walk(ast.fragment, false)
  return found
}

test('every display name shown as text in ui/ is isolated in a <bdi>', async () => {
  const problems: string[] = []
  for (const file of await readdir(components)) {
    if (!file.endsWith('.svelte') || file === 'FileCard.svelte') continue
    const source = await readFile(join(components, file), 'utf8')
    for (const p of unisolated(source)) problems.push(`${file}: ${p}`)
  }
  assert.deepEqual(problems, [])
})

test('the check finds a bare name (it can fail)', () => {
  assert.deepEqual(unisolated('<p>Hello {contact.displayName}</p>'), [
    'contact.displayName (line 1)',
  ])
  assert.deepEqual(unisolated('<p>Hello <bdi>{contact.displayName}</bdi></p>'), [])
  assert.deepEqual(unisolated('<p aria-label="to {contactName}">x</p>'), [])
  assert.deepEqual(unisolated('<span dir="auto">{name}</span>'), [])
  assert.deepEqual(unisolated('<p><bdi>x</bdi> {name}</p>'), ['name (line 1)'])
  // Inside blocks too.
  assert.equal(
    unisolated(
      '{#if x}<p>{name}</p>{:else}<p>{contactName}</p>{/if}' +
        '{#each a as c}<span>{c.contact.displayName}</span>{/each}',
    ).length,
    3,
  )
})
