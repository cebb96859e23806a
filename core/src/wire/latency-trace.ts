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
