// Message latency of our own stack. Pending until two extensions exchange E2EE messages over
// direct WebRTC and a relay pushes mailbox deliveries. When it lands: measure msg.direct against
// lib/raw-datachannel.ts interleaved (A B A B, lib/interleave.ts) and produce msg.raw.* here too.
import { pendingSuite } from '../lib/pending-suite.ts'

export default pendingSuite(
  'msg',
  ['msg.direct.rtt_p50_ms', 'msg.mailbox.delivery_p50_ms'],
  'extension↔extension messaging and relay mailbox push',
)
