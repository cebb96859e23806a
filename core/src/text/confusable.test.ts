import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nameSkeleton, nameTagFor, namesConfusable } from './confusable.ts'

test('names a reader would mistake for each other are confusable', () => {
  const alike: [string, string][] = [
    ['Alice', 'Аlice'], // Cyrillic А
    ['Alice', 'alice'],
    ['Alice', 'AIice'], // capital I for l
    ['Alice', 'Al1ce'.replace('1', 'i')],
    ['Paypal', 'PayPaI'],
    ['Bob', 'Β\u03bfb'], // Greek capital beta, omicron
    ['Martin', 'rnartin'],
    ['Martin', 'Ｍartin'], // full-width M
    ['Jörg', 'Jorg'],
    ['Olga', '0lga'],
    ['Anne Marie', 'Anne-Marie'],
    ['Bob', 'B\u200bob'],
  ]
  for (const [a, b] of alike) assert.ok(namesConfusable(a, b), `${a} ~ ${b}`)
})

test('different names stay apart', () => {
  const apart: [string, string][] = [
    ['Alice', 'Alicia'],
    ['Bob', 'Rob'],
    ['Anna', 'Hanna'],
    ['李雷', '韩梅梅'],
  ]
  for (const [a, b] of apart) assert.equal(namesConfusable(a, b), false, `${a} vs ${b}`)
  assert.equal(namesConfusable('', ''), false)
  assert.equal(nameSkeleton('Аlice'), nameSkeleton('alice'))
})

test('the tag comes from the key id, in letters and digits only', () => {
  assert.equal(nameTagFor('k7-x_Q9abc'), 'K7XQ')
})
