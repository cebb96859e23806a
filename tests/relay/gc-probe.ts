/**
 * Preloaded into the soak's relay process (NODE_OPTIONS `--expose-gc --import` this file): on
 * SIGUSR2 it runs a full garbage collection and writes the process's memory figures to the file
 * named by HESTIA_GC_PROBE_FILE. RSS alone cannot tell memory the relay still holds from memory V8
 * or malloc have freed but not given back; the heap in use right after a full GC can.
 *
 * Test-only: the relay itself has no way to be told to collect garbage.
 */
import { renameSync, writeFileSync } from 'node:fs'
import { getHeapStatistics } from 'node:v8'

export interface GcProbeReport {
  /** Figures right after the forced full GC, in bytes. */
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
  /** Memory V8 itself got from malloc (outside the JS heap). */
  mallocedMemory: number
}

const out = process.env.HESTIA_GC_PROBE_FILE
if (out !== undefined) {
  const gc = (globalThis as { gc?: () => void }).gc
  // Without the handler SIGUSR2 would end the relay: refuse to start instead.
  if (gc === undefined) throw new Error('gc-probe: run the relay with --expose-gc')
  process.on('SIGUSR2', () => {
    // Twice: the first pass can leave weakly held objects that only the second frees.
    gc()
    gc()
    const m = process.memoryUsage()
    const report: GcProbeReport = {
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      mallocedMemory: getHeapStatistics().malloced_memory,
    }
    writeFileSync(`${out}.tmp`, JSON.stringify(report))
    renameSync(`${out}.tmp`, out)
  })
}
