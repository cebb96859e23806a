/**
 * A Dexie middleware that calls `onWrite` for every write request (put, add, delete, clear: DBCore
 * `mutate`) through this Dexie instance, as it is made, inside its transaction and so before the
 * transaction commits. The store's read cache (core/src/store/read-cache.ts) counts them: a value
 * read before a write is not served after it.
 */
import type { DBCore, Middleware } from 'dexie'

export function writeCounter(onWrite: () => void): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'HestiaWriteCounter',
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name)
        return {
          ...table,
          mutate: (request) => {
            onWrite()
            return table.mutate(request)
          },
        }
      },
    }),
  }
}
