// File transfer. Pending until extensions send encrypted files to each other. When it lands:
// measure file.direct against lib/raw-datachannel.ts bulk interleaved (A B A B) and produce
// file.raw.MBps here too; file.receiver_heap_peak_MiB receives a 1 GiB file (full mode).
import { pendingSuite } from '../lib/pending-suite.ts'

export default pendingSuite(
  'file',
  ['file.direct.MBps', 'file.receiver_heap_peak_MiB'],
  'extension↔extension encrypted file transfer',
)
