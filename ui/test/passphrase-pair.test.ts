import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkPassphrasePair } from '../src/lib/passphrase-pair.ts'

test('a required passphrase goes on only when long enough and typed twice the same', () => {
  assert.deepEqual(checkPassphrasePair('', '', 8, false), {
    tooShort: false,
    mismatch: false,
    ready: false,
  })
  assert.deepEqual(checkPassphrasePair('short', 'short', 8, false), {
    tooShort: true,
    mismatch: false,
    ready: false,
  })
  assert.deepEqual(checkPassphrasePair('long enough', 'long enougH', 8, false), {
    tooShort: false,
    mismatch: true,
    ready: false,
  })
  assert.equal(checkPassphrasePair('long enough', '', 8, false).ready, false)
  assert.equal(checkPassphrasePair('long enough', 'long enough', 8, false).ready, true)
})

test('an optional passphrase may be skipped, but once typed follows the same rule', () => {
  assert.equal(checkPassphrasePair('', '', 8, true).ready, true)
  assert.equal(checkPassphrasePair('', 'stray', 8, true).mismatch, true)
  assert.equal(checkPassphrasePair('short', 'short', 8, true).ready, false)
  assert.equal(checkPassphrasePair('long enough', 'long', 8, true).ready, false)
  assert.equal(checkPassphrasePair('long enough', 'long enough', 8, true).ready, true)
})
