// Regenerates core/src/groups/golden/vectors.json: Hestia's own group bytes (MemberCredential,
// GroupFrame) from a seeded random source and a fixed clock (core/test-support/group-golden.ts).
// Run after an intentional format change: `node scripts/gen-group-vectors.ts`, then review the diff.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { generateGroupGoldenVectors } from '../core/test-support/group-golden.ts'

const out = resolve(import.meta.dirname, '..', 'core', 'src', 'groups', 'golden', 'vectors.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(generateGroupGoldenVectors(), null, 2) + '\n')
console.log(`wrote ${out}`)
