// ConversationList writes its rows out (ADR 0921) and repeats in its own <style> the looks of the
// components it no longer uses there: ListRow, Avatar, ContactName's tag, DeliveryTicks and Icon.
// Every declaration of those rules must stand in the list's copy too, so a look changed in one
// of the components alone (a colour, the dark theme, a size) fails here instead of drifting.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'svelte/compiler'

const components = join(import.meta.dirname, '..', 'src', 'components')

interface CssNode {
  type: string
  prelude?: { start: number; end: number }
  block?: { children: { type: string; property?: string; value?: string }[] }
}

/** The top-level rules of a component's <style>: selector → its declarations. */
function rulesOf(file: string): Map<string, Map<string, string>> {
  const source = readFileSync(join(components, file), 'utf8')
  const ast = parse(source, { modern: true })
  const rules = new Map<string, Map<string, string>>()
  for (const node of (ast.css?.children ?? []) as CssNode[]) {
    if (node.type !== 'Rule' || node.prelude === undefined || node.block === undefined) continue
    const selector = source.slice(node.prelude.start, node.prelude.end).replace(/\s+/g, ' ')
    const declarations = new Map<string, string>()
    for (const d of node.block.children)
      if (d.type === 'Declaration') declarations.set(d.property!, d.value!.replace(/\s+/g, ' '))
    rules.set(selector, declarations)
  }
  return rules
}

/** [component, its selector, the list's selector for the same look]. */
const COPIES: [string, string, string][] = [
  ['ListRow.svelte', '.row', '.row'],
  ['ListRow.svelte', '.row:hover', '.row:hover'],
  ['ListRow.svelte', '.row.selected', '.row.selected'],
  ['Avatar.svelte', '.avatar', '.avatar'],
  [
    'Avatar.svelte',
    ":global(:root[data-theme='dark']) .avatar",
    ":global(:root[data-theme='dark']) .avatar",
  ],
  ['ContactName.svelte', '.name-tag', '.name-tag'],
  ['DeliveryTicks.svelte', '.ticks', '.ticks'],
  ['DeliveryTicks.svelte', ".ticks[data-delivery='read']", ".ticks[data-delivery='read']"],
  ['DeliveryTicks.svelte', ".ticks[data-delivery='failed']", ".ticks[data-delivery='failed']"],
  ['Icon.svelte', '.icon', '.ticks .icon'],
]

test("the written-out rows carry every declaration of the components' looks they repeat", () => {
  const list = rulesOf('ConversationList.svelte')
  const drift: string[] = []
  for (const [file, selector, copy] of COPIES) {
    const original = rulesOf(file).get(selector)
    assert.ok(original !== undefined && original.size > 0, `${file} has no rule ${selector}`)
    const written = list.get(copy) ?? new Map<string, string>()
    for (const [property, value] of original)
      if (written.get(property) !== value)
        drift.push(
          `${file} ${selector} { ${property}: ${value} } is ${copy} { ${property}: ${written.get(property) ?? '—'} } in the list`,
        )
  }
  assert.deepEqual(drift, [])
})

test('the list draws the avatar at the size Avatar gives by default (40 px, font 40 %)', () => {
  const avatar = rulesOf('ConversationList.svelte').get('.avatar')
  const source = readFileSync(join(components, 'Avatar.svelte'), 'utf8')
  assert.match(source, /size = 40/)
  assert.match(source, /Math\.round\(size \* 0\.4\)/)
  assert.equal(avatar?.get('width'), '40px')
  assert.equal(avatar?.get('height'), '40px')
  assert.equal(avatar?.get('font-size'), `${Math.round(40 * 0.4)}px`)
})
