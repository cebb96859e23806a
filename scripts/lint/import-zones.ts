// ESLint rule `hestia/import-zones`: which part of the repository may import which, decided on the
// file an import resolves to, not on how its path is spelled ('../store/x.ts', '../../store/x.ts'
// and '@hestia/core/store/x.ts' are the same file, so they get the same answer).
//
// Options: { zones, checks, assigned }
//   zones    [{ name, paths }] in order; a file belongs to the first zone with a path that equals
//            it or contains it ('dir/': everything below dir; 'dir/*': the files directly in dir).
//            Paths are relative to the repository.
//   checks   [{ from: [zone], allow?: [zone], deny?: [zone], runtimeOnly?, message }]: an import
//            from a file in a `from` zone is reported when its target is in a zone outside `allow`
//            or inside `deny`. Targets in no zone (npm packages, other folders) are left to other
//            rules. `runtimeOnly` skips type-only imports (erased: no code of the target runs).
//   assigned [prefix]: every file under these prefixes must be in some zone, so a new folder cannot
//            slip past the rules by not being listed.
// Type-only imports count unless a check says `runtimeOnly`: for layering, naming another zone's
// types is a dependency too.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { Rule } from 'eslint'
import type { Node as EsNode } from 'estree'
import type { Zone } from './zones.ts'

export interface ZoneCheck {
  readonly from: readonly string[]
  readonly allow?: readonly string[]
  readonly deny?: readonly string[]
  readonly runtimeOnly?: boolean
  readonly message: string
}

export interface ImportZonesOptions {
  readonly zones: readonly Zone[]
  readonly checks: readonly ZoneCheck[]
  readonly assigned?: readonly string[]
}

type ExportsMap = string | Record<string, string>

interface Workspace {
  readonly folder: string
  readonly exports: ExportsMap
}

/** What the rule reads of an import-like node: typescript-eslint adds importKind/exportKind. */
interface ImportLike {
  readonly source?: { readonly value?: unknown } | null
  readonly importKind?: string
  readonly exportKind?: string
  readonly specifiers?: readonly { readonly importKind?: string; readonly exportKind?: string }[]
}

const repoRoot = resolve(import.meta.dirname, '..', '..')

/** Workspace packages by name (`@hestia/core`) → their folder and package.json `exports`. */
function readWorkspaces(): Map<string, Workspace> {
  const { workspaces } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    workspaces: string[]
  }
  const byName = new Map<string, Workspace>()
  for (const folder of workspaces) {
    const manifestPath = join(repoRoot, folder, 'package.json')
    if (!existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string
      exports?: ExportsMap
    }
    byName.set(manifest.name, { folder, exports: manifest.exports ?? {} })
  }
  return byName
}

const workspaces = readWorkspaces()

/** The package-`exports` target for a subpath ('./client/api.ts'), following Node's longest-prefix rule. */
function exportTarget(exportsMap: ExportsMap, subpath: string): string | undefined {
  if (typeof exportsMap === 'string') return subpath === '.' ? exportsMap : undefined
  const exact = exportsMap[subpath]
  if (exact !== undefined) return exact
  const wildcard = Object.keys(exportsMap)
    .filter((key) => key.endsWith('*') && subpath.startsWith(key.slice(0, -1)))
    .sort((a, b) => b.length - a.length)[0]
  if (wildcard === undefined) return undefined
  return exportsMap[wildcard]!.replace('*', subpath.slice(wildcard.length - 1))
}

/** Repository-relative path (with '/') of the file an import specifier names, or undefined. */
export function resolveSpecifier(importerAbsolute: string, specifier: string): string | undefined {
  let absolute: string
  if (specifier.startsWith('.')) {
    absolute = resolve(dirname(importerAbsolute), specifier)
  } else {
    const match = /^(@[^/]+\/[^/]+)(\/.*)?$/.exec(specifier)
    const pkg = match === null ? undefined : workspaces.get(match[1]!)
    if (match === null || pkg === undefined) return undefined
    const target = exportTarget(pkg.exports, match[2] ? `.${match[2]}` : '.')
    if (target === undefined) return undefined
    absolute = join(repoRoot, pkg.folder, target)
  }
  const rel = relative(repoRoot, absolute)
  if (rel.startsWith('..')) return undefined
  return rel.split(sep).join('/')
}

/** 'dir/' holds everything below dir, 'dir/*' the files directly in dir, any other path itself. */
function inPath(path: string, file: string): boolean {
  if (path.endsWith('/*')) {
    const dir = path.slice(0, -1)
    return file.startsWith(dir) && !file.slice(dir.length).includes('/')
  }
  return path.endsWith('/') ? file.startsWith(path) : file === path
}

/** The name of the first zone holding `file`, or undefined. */
export function zoneOf(zones: readonly Zone[], file: string): string | undefined {
  for (const zone of zones) {
    for (const path of zone.paths) {
      if (inPath(path, file)) return zone.name
    }
  }
  return undefined
}

/** An import or re-export that brings in types only (TypeScript erases it). */
function isTypeOnly(node: ImportLike): boolean {
  if (node.importKind === 'type' || node.exportKind === 'type') return true
  const specifiers = node.specifiers ?? []
  return (
    specifiers.length > 0 &&
    specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')
  )
}

export const importZones: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between zones follow docs/ARCHITECTURE.md' },
    schema: [
      {
        type: 'object',
        properties: {
          zones: { type: 'array' },
          checks: { type: 'array' },
          assigned: { type: 'array', items: { type: 'string' } },
        },
        required: ['zones', 'checks'],
        additionalProperties: false,
      },
    ],
    messages: {
      crossing: '{{from}} may not import {{to}} ({{target}}): {{why}}',
      unassigned:
        '{{file}} is in no import zone: add its folder to the zone table in eslint.config.js (docs/ARCHITECTURE.md).',
    },
  },
  create(context) {
    const { zones, checks, assigned = [] } = context.options[0] as ImportZonesOptions
    const file = relative(repoRoot, context.filename).split(sep).join('/')
    const from = zoneOf(zones, file)
    const mine = from === undefined ? [] : checks.filter((check) => check.from.includes(from))

    function check(node: ImportLike): void {
      const source = node.source
      if (!source || typeof source.value !== 'string') return
      const typeOnly = isTypeOnly(node)
      const target = resolveSpecifier(context.filename, source.value)
      if (target === undefined) return
      const to = zoneOf(zones, target)
      if (to === undefined || to === from) return
      for (const rule of mine) {
        if (rule.runtimeOnly && typeOnly) continue
        const refused =
          (rule.allow !== undefined && !rule.allow.includes(to)) ||
          (rule.deny !== undefined && rule.deny.includes(to))
        if (refused) {
          context.report({
            node: source as EsNode,
            messageId: 'crossing',
            data: { from: from ?? '', to, target, why: rule.message },
          })
          return
        }
      }
    }

    return {
      Program(node) {
        if (from === undefined && assigned.some((prefix) => file.startsWith(prefix))) {
          context.report({ node, messageId: 'unassigned', data: { file } })
        }
      },
      ImportDeclaration: (node) => check(node as ImportLike),
      ExportNamedDeclaration: (node) => check(node as ImportLike),
      ExportAllDeclaration: (node) => check(node),
      ImportExpression: (node) => check(node as ImportLike),
    }
  },
}

export default { rules: { 'import-zones': importZones } }
