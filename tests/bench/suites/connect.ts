// Connection setup. Pending until two browsers dial each other over WebRTC via a Hestia relay.
import { pendingSuite } from '../lib/pending-suite.ts'

export default pendingSuite(
  'connect',
  ['connect.webrtc_dial_p50_ms'],
  'browser↔browser WebRTC dial via the relay',
)
