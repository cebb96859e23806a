/**
 * latency-trace (issue 21): nothing is recorded unless a profiler set the sink; with it, marks and
 * spans land on the epoch clock in order, and a span started while tracing was off stays off.
 */
import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { traceCalls, traceMark, traceSpan, traceStart } from './latency-trace.ts'

type Scope = { __hestiaLatencyTrace?: unknown[] }
const scope = globalThis as Scope

afterEach(() => {
  delete scope.__hestiaLatencyTrace
})

test('off: marks and spans record nothing and a span has no start', () => {
  traceMark('send.start')
  const started = traceStart()
  assert.equal(started, undefined)
  traceSpan('store.getIdentity', started)
  assert.equal(scope.__hestiaLatencyTrace, undefined)
})

test('on: marks and spans in order, on the clock every page of the machine shares', () => {
  const sink: unknown[] = []
  scope.__hestiaLatencyTrace = sink
  const before = performance.timeOrigin + performance.now()
  traceMark('send.start')
  const started = traceStart()
  traceSpan('store.transaction', started)
  const after = performance.timeOrigin + performance.now()
  assert.equal(sink.length, 2)
  const [mark, span] = sink as [[string, number], [string, number, number]]
  assert.equal(mark[0], 'send.start')
  assert.ok(before <= mark[1] && mark[1] <= after)
  assert.equal(span[0], 'store.transaction')
  assert.ok(span[1] === started && span[1] <= span[2] && span[2] <= after)
})

test('a span started while off is not recorded when tracing is switched on meanwhile', () => {
  const started = traceStart()
  scope.__hestiaLatencyTrace = []
  traceSpan('store.transaction', started)
  assert.deepEqual(scope.__hestiaLatencyTrace, [])
})

test('traceCalls: off gives the object itself; on, each call is a span and answers as before', async () => {
  const ops = {
    base: 40,
    get(n: number): Promise<number> {
      return Promise.resolve(this.base + n)
    },
    fail(): Promise<never> {
      return Promise.reject(new Error('refused'))
    },
  }
  assert.equal(traceCalls(ops, 'tx.'), ops)
  const sink: unknown[] = []
  scope.__hestiaLatencyTrace = sink
  const traced = traceCalls(ops, 'tx.')
  assert.notEqual(traced, ops)
  assert.equal(traced.base, 40)
  assert.equal(await traced.get(2), 42)
  await assert.rejects(traced.fail(), /refused/)
  assert.deepEqual(
    (sink as [string, number, number][]).map(([label, start, end]) => [label, start <= end]),
    [
      ['tx.get', true],
      ['tx.fail', true],
    ],
  )
})
