/**
 * Dexie middleware that seals rows on their way into IndexedDB and opens them on the way out
 * (ADR 0520), so DexieOperations and the messenger above it see plain records and do not change.
 * It sits at the bottom of Dexie's stack (closest to IndexedDB): Dexie's own layers (virtual
 * indexes, hooks, caches) only ever see plaintext.
 *
 * What stays clear is read from the schema: each table's primary key and index key paths (the
 * row sealer checks them against the sealed copy on every read). Blind index columns
 * (core/src/store/at-rest/row-sealer.ts) are looked up by token: only equality is possible.
 *
 * Auto-increment tables (the outbox) need their key before sealing, because the key is bound into
 * the AEAD: the row is first added as a placeholder holding only its clear columns, then replaced
 * by the sealed row in the same transaction (both or neither commit).
 */
import type {
  DBCore,
  DBCoreCursor,
  DBCoreKeyRange,
  DBCoreMutateRequest,
  DBCoreQuery,
  DBCoreTable,
  Middleware,
} from 'dexie'
import type { RowSealer, TableShape } from '@hestia/core/store/at-rest/row-sealer.ts'

/** Tables the middleware leaves alone (the wrapped data key must be readable while locked). */
export const CLEAR_TABLES: readonly string[] = ['keyring']

const RANGE_EQUAL = 1
const RANGE_RANGE = 2

type Row = Record<string, unknown>

function keyPathFields(keyPath: null | string | string[]): string[] {
  if (keyPath === null) return []
  return typeof keyPath === 'string' ? [keyPath] : keyPath
}

export function tableShape(table: DBCoreTable): TableShape {
  const primaryKey = keyPathFields(table.schema.primaryKey.keyPath)
  const indexed = new Set(primaryKey)
  for (const index of table.schema.indexes) {
    for (const field of keyPathFields((index.lowLevelIndex ?? index).keyPath)) indexed.add(field)
  }
  return { name: table.name, primaryKey, indexed: [...indexed] }
}

/** A key as stored: blind parts (by the key path's fields) become tokens. */
function storedKey(
  sealer: RowSealer,
  table: string,
  fields: readonly string[],
  key: unknown,
): unknown {
  if (fields.length === 1) return sealer.storedKeyPart(table, fields[0]!, key)
  if (!Array.isArray(key)) return key
  return key.map((part: unknown, i) =>
    i < fields.length ? sealer.storedKeyPart(table, fields[i]!, part) : part,
  )
}

/**
 * A range as stored. Blind parts have no order, so a range may only pin them (equal bounds) or
 * leave them open (Dexie's min/max keys); anything else is refused.
 */
function storedRange(
  sealer: RowSealer,
  table: string,
  fields: readonly string[],
  range: DBCoreKeyRange,
): DBCoreKeyRange {
  const blind = fields.map((field) => sealer.isBlind(table, field))
  if (!blind.includes(true)) return range
  const type = Number(range.type)
  if (type !== RANGE_EQUAL && type !== RANGE_RANGE) return range
  if (type === RANGE_RANGE) {
    const lower: unknown[] = fields.length === 1 ? [range.lower] : (range.lower as unknown[])
    const upper: unknown[] = fields.length === 1 ? [range.upper] : (range.upper as unknown[])
    const pinnedOrOpen = blind.every(
      (isBlind, i) =>
        !isBlind ||
        (lower[i] === upper[i] && (fields.length > 1 || (!range.lowerOpen && !range.upperOpen))) ||
        typeof lower[i] !== 'string' ||
        typeof upper[i] !== 'string',
    )
    if (!pinnedOrOpen)
      throw new Error(
        `${table}.${fields.join('+')} has a blind part: only equality on it can be looked up`,
      )
  }
  return {
    ...range,
    lower: storedKey(sealer, table, fields, range.lower),
    upper: storedKey(sealer, table, fields, range.upper),
  }
}

function storedQuery(sealer: RowSealer, table: string, query: DBCoreQuery): DBCoreQuery {
  const fields = keyPathFields(query.index.keyPath)
  const range = storedRange(sealer, table, fields, query.range)
  return range === query.range ? query : { ...query, range }
}

function openingCursor(cursor: DBCoreCursor, open: (row: Row) => Row): DBCoreCursor {
  let at: unknown = undefined
  let opened: Row | undefined
  return Object.create(cursor, {
    key: { get: (): unknown => cursor.key },
    primaryKey: { get: (): unknown => cursor.primaryKey },
    value: {
      get: () => {
        const raw = cursor.value as Row | undefined
        if (raw === undefined) return undefined
        if (at !== raw) {
          at = raw
          opened = open(raw)
        }
        return opened
      },
    },
  }) as DBCoreCursor
}

function sealingTable(table: DBCoreTable, sealer: RowSealer): DBCoreTable {
  const shape = tableShape(table)
  const seal = (row: Row) => sealer.seal(shape, row)
  const open = (row: Row) => sealer.open(shape, row)
  const openMaybe = (row: unknown) => (row === undefined ? undefined : open(row as Row))
  const generatedKey =
    table.schema.primaryKey.autoIncrement === true && shape.primaryKey.length === 1

  const keyOf = (key: unknown) => storedKey(sealer, table.name, shape.primaryKey, key)

  const mutate = async (req: DBCoreMutateRequest) => {
    if (req.type === 'delete') return table.mutate({ ...req, keys: req.keys.map(keyOf) })
    if (req.type === 'deleteRange')
      return table.mutate({
        ...req,
        range: storedRange(sealer, table.name, shape.primaryKey, req.range),
      })
    const values = req.values as Row[]
    const keyField = shape.primaryKey[0]!
    if (generatedKey && values.some((row) => row[keyField] === undefined)) {
      if (req.type !== 'add') throw new Error(`${table.name}: a put needs the row's key`)
      // Placeholder rows (clear columns only) get the keys; the sealed rows replace them.
      const placeholders = values.map((row) => {
        const clear: Row = {}
        for (const field of shape.indexed) if (field in row) clear[field] = row[field]
        return clear
      })
      const added = await table.mutate({ type: 'add', trans: req.trans, values: placeholders })
      if (added.numFailures > 0) return added
      const keys: unknown[] = added.results ?? []
      const sealed = values.map((row, i) => seal({ ...row, [keyField]: row[keyField] ?? keys[i] }))
      const replaced = await table.mutate({ type: 'put', trans: req.trans, values: sealed })
      return replaced.numFailures > 0 ? replaced : added
    }
    return table.mutate({
      type: req.type,
      trans: req.trans,
      values: values.map(seal),
      ...(req.keys ? { keys: req.keys.map(keyOf) } : {}),
    })
  }

  return {
    ...table,
    mutate,
    get: async (req) => openMaybe(await table.get({ ...req, key: keyOf(req.key) })),
    getMany: async (req) =>
      (await table.getMany({ ...req, keys: req.keys.map(keyOf) })).map(openMaybe),
    query: async (req) => {
      const response = await table.query({
        ...req,
        query: storedQuery(sealer, table.name, req.query),
      })
      return req.values === true
        ? { result: response.result.map((row) => open(row as Row)) }
        : response
    },
    openCursor: async (req) => {
      const cursor = await table.openCursor({
        ...req,
        query: storedQuery(sealer, table.name, req.query),
      })
      return cursor === null ? cursor : openingCursor(cursor, open)
    },
    count: (req) => table.count({ ...req, query: storedQuery(sealer, table.name, req.query) }),
  }
}

/** The middleware for `db.use(...)`: seals every table except CLEAR_TABLES. */
export function sealingMiddleware(sealer: RowSealer): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'HestiaSealing',
    // Below Dexie's own middlewares (the lowest built-in is -1): they see plaintext.
    level: -10,
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name)
        return CLEAR_TABLES.includes(name) ? table : sealingTable(table, sealer)
      },
    }),
  }
}
