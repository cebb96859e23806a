// Regenerates the committed protobuf codecs: for every core/src/**/*.proto, runs protons and compiles
// its TypeScript output (which uses namespaces, not erasable by Node's type stripping) to a committed
// `<name>.pb.js` plus `<name>.pb.d.ts`. Run after editing a .proto: `npm run gen:protos`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, renameSync, rmSync, copyFileSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)

function findProtos(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry)
    if (statSync(full).isDirectory()) out.push(...findProtos(full))
    else if (entry.endsWith('.proto')) out.push(full)
  }
  return out
}

for (const proto of findProtos(join(root, 'core', 'src'))) {
  const work = mkdtempSync(join(root, 'core', '.protons-'))
  const name = basename(proto, '.proto')
  copyFileSync(proto, join(work, `${name}.proto`))
  execFileSync(bin('protons'), [join(work, `${name}.proto`)], { stdio: 'inherit' })
  execFileSync(
    bin('tsc'),
    [
      join(work, `${name}.ts`),
      '--declaration',
      '--target',
      'ES2023',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--skipLibCheck',
      '--outDir',
      work,
    ],
    { stdio: 'inherit', cwd: root },
  )
  renameSync(join(work, `${name}.js`), join(dirname(proto), `${name}.pb.js`))
  renameSync(join(work, `${name}.d.ts`), join(dirname(proto), `${name}.pb.d.ts`))
  rmSync(work, { recursive: true, force: true })
  console.log(`generated ${name}.pb.js and ${name}.pb.d.ts beside ${proto}`)
}
