// Runs inside the idle bench's network namespace (lib/browser-netns.ts): listens on
// 127.0.0.1:<port> there and carries each connection over the Unix socket <path> to the root
// namespace, where the relay listens on the same port. Prints "listening" once ready; ends with
// its parent's SIGTERM.
//
//   ip netns exec NS node netns-forwarder.ts <port> <unix socket path>

import { createConnection, createServer } from 'node:net'

const port = Number(process.argv[2])
const socketPath = process.argv[3]
if (!Number.isInteger(port) || port <= 0 || socketPath === undefined) {
  console.error('usage: netns-forwarder.ts <port> <unix socket path>')
  process.exit(2)
}

const server = createServer((inner) => {
  const outer = createConnection(socketPath)
  inner.setNoDelay(true)
  inner.pipe(outer).pipe(inner)
  inner.on('error', () => outer.destroy())
  outer.on('error', () => inner.destroy())
})
server.listen(port, '127.0.0.1', () => console.log('listening'))
process.on('SIGTERM', () => process.exit(0))
// The bench that started it died without stopping it (a suite timeout ends the process): go too.
setInterval(() => {
  if (process.ppid === 1) process.exit(0)
}, 1_000).unref()
