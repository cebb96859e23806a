// The protobuf check npm test runs (scripts/gen-protos.ts --check): a committed codec that no
// longer matches its .proto, or a codec whose .proto is gone, fails it; a current one passes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { checkGenerated } from '../../scripts/gen-protos.ts'

const mailbox = resolve(import.meta.dirname, '..', '..', 'core', 'src', 'mailbox')

test('the check reports a hand-edited codec and an orphan, and passes a current one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hestia-protos-'))
  try {
    copyFileSync(join(mailbox, 'mailbox.proto'), join(dir, 'mailbox.proto'))
    copyFileSync(join(mailbox, 'mailbox.pb.d.ts'), join(dir, 'mailbox.pb.d.ts'))
    // A hand edit: one field number changed in the committed encoder.
    const js = readFileSync(join(mailbox, 'mailbox.pb.js'), 'utf8')
    assert.ok(js.includes('w.uint32(10)'))
    writeFileSync(join(dir, 'mailbox.pb.js'), js.replace('w.uint32(10)', 'w.uint32(11)'))
    writeFileSync(join(dir, 'removed.pb.js'), 'export {}\n')

    const problems = checkGenerated(dir)
    assert.equal(problems.length, 2, problems.join('\n'))
    assert.match(problems[0]!, /mailbox\.pb\.js: differs from what mailbox\.proto generates/)
    assert.match(problems[1]!, /removed\.pb\.js: generated file with no \.proto/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
