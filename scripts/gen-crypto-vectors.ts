// Regenerates core/src/crypto/golden/vectors.json: Hestia's own crypto wire bytes from a seeded
// random source and a fixed clock (see core/test-support/crypto-golden.ts). Run after an
// intentional format change: `node scripts/gen-crypto-vectors.ts`, then review the diff.
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { generateGoldenVectors } from '../core/test-support/crypto-golden.ts'

const out = resolve(import.meta.dirname, '..', 'core', 'src', 'crypto', 'golden', 'vectors.json')
const vectors = await generateGoldenVectors()
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n')
console.log(`wrote ${out}`)
