// The committed protobuf codecs: for every core/src/**/*.proto, protons writes TypeScript (which
// uses namespaces, not erasable by Node's type stripping) and tsc compiles it to the committed
// `<name>.pb.js` plus `<name>.pb.d.ts` beside the .proto.
//
//   npm run gen:protos                     regenerate after editing a .proto
//   node scripts/gen-protos.ts --check     regenerate into scratch folders and fail if a committed
//                                          file differs, is missing or has no .proto (npm test runs it)
//
// The output is a pure function of the .proto and the pinned protons and typescript versions:
// fixed compiler flags, LF line endings, and a work folder inside core/ so that tsc resolves
// protons-runtime to the same copy every time.
import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)

/** The generated pair for one .proto: file path → contents. */
type Generated = Map<string, string>

function findFiles(dir: string, suffix: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry)
    if (statSync(full).isDirectory()) out.push(...findFiles(full, suffix))
    else if (entry.endsWith(suffix)) out.push(full)
  }
  return out.sort()
}

/** Runs protons and tsc on one .proto in a scratch folder; returns what belongs beside it. */
export function generate(proto: string): Generated {
  const work = mkdtempSync(join(root, 'core', '.protons-'))
  try {
    const name = basename(proto, '.proto')
    copyFileSync(proto, join(work, `${name}.proto`))
    execFileSync(bin('protons'), [join(work, `${name}.proto`)], { stdio: 'pipe' })
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
        '--newLine',
        'lf',
        '--outDir',
        work,
      ],
      { stdio: 'pipe', cwd: root },
    )
    return new Map([
      [join(dirname(proto), `${name}.pb.js`), readFileSync(join(work, `${name}.js`), 'utf8')],
      [join(dirname(proto), `${name}.pb.d.ts`), readFileSync(join(work, `${name}.d.ts`), 'utf8')],
    ])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/**
 * What is wrong with the committed codecs under `dir`: one line per file that differs from a fresh
 * generation, is missing, or is a .pb file with no .proto. Empty when everything is current.
 */
export function checkGenerated(dir: string): string[] {
  const problems: string[] = []
  const expected = new Set<string>()
  for (const proto of findFiles(dir, '.proto')) {
    for (const [path, text] of generate(proto)) {
      expected.add(path)
      const shown = relative(root, path)
      if (!existsSync(path)) problems.push(`${shown}: missing (run npm run gen:protos)`)
      else if (readFileSync(path, 'utf8') !== text)
        problems.push(
          `${shown}: differs from what ${basename(proto)} generates (run npm run gen:protos)`,
        )
    }
  }
  for (const path of [...findFiles(dir, '.pb.js'), ...findFiles(dir, '.pb.d.ts')]) {
    if (!expected.has(path)) problems.push(`${relative(root, path)}: generated file with no .proto`)
  }
  return problems
}

function writeAll(dir: string): void {
  for (const proto of findFiles(dir, '.proto')) {
    for (const [path, text] of generate(proto)) writeFileSync(path, text)
    console.log(
      `generated ${basename(proto, '.proto')}.pb.js and .pb.d.ts beside ${relative(root, proto)}`,
    )
  }
}

if (import.meta.main) {
  const source = join(root, 'core', 'src')
  if (process.argv.includes('--check')) {
    const problems = checkGenerated(source)
    for (const line of problems) console.error(line)
    if (problems.length > 0) process.exit(1)
    console.log('protobuf codecs are current')
  } else {
    writeAll(source)
  }
}
