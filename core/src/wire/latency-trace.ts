/**
 * Latency marks for profiling one message end to end (issue #21, scripts/profile-msg-browser.ts).
 * Off unless a profiler sets `globalThis.__hestiaLatencyTrace` to an array (through DevTools, in
 * the host's document): then each mark appends `[label, epoch ms]`, and each span
 * `[label, start, end]`, on a clock shared by every page and profile of the machine
 * (performance.timeOrigin + now()). Nothing is logged or kept otherwise; a mark costs one
 * property read when off.
 */

/** What a profiler puts on globalThis; only `push` is used. */
interface TraceSink {
  push(entry: [string, number] | [string, number, number]): unknown
}

function sink(): TraceSink | undefined {
  return (globalThis as { __hestiaLatencyTrace?: TraceSink }).__hestiaLatencyTrace
}

const now = (): number => performance.timeOrigin + performance.now()

export function traceMark(label: string): void {
  sink()?.push([label, now()])
}

/** The start of a span when tracing is on (pass it to traceSpan), else undefined. */
export function traceStart(): number | undefined {
  return sink() === undefined ? undefined : now()
}

/** A span from `start` (traceStart) until now; nothing when tracing was off at its start. */
export function traceSpan(label: string, start: number | undefined): void {
  if (start !== undefined) sink()?.push([label, start, now()])
}

/**
 * `target` with each method call timed as a span `prefix + name` while tracing is on; `target`
 * itself when it is off (nothing wrapped). The store uses it for the requests inside a grouped
 * transaction, so a profile sees how many there are and how long each waited.
 */
export function traceCalls<T extends object>(target: T, prefix: string): T {
  if (sink() === undefined) return target
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        const start = traceStart()
        try {
          return await (value as (...a: unknown[]) => unknown).apply(object, args)
        } finally {
          traceSpan(prefix + String(key), start)
        }
      }
    },
  })
}
