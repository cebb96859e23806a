/**
 * Classifies a NAT the way RFC 5780 does, so the reachability test can check that each namespace
 * NAT is the kind its label says before trusting what the peers behind it report.
 *
 *   node udp-mapping.ts reflect <ip> <port1> <port2>   (public side) answers every datagram with
 *                                                      the address and port it came from, and
 *                                                      writes once more from port2 + 1
 *   node udp-mapping.ts probe <ip> <port1> <port2>     (home side) one socket asks both ports and
 *                                                      prints {"mapped":[…],"unsolicited":bool}
 *
 * Mapping: one outside address for both destinations is endpoint-independent (cone), two is
 * symmetric. Filtering: a datagram from port2 + 1, which the probe never wrote to, gets in only
 * through a full-cone NAT. Bounded: the probe gives up after 3 s, the reflector exits when its
 * parent closes stdin.
 */
import { createSocket } from 'node:dgram'

const [mode, ip, p1, p2] = process.argv.slice(2)
const ports = [Number(p1), Number(p2)]

if (mode === 'reflect') {
  const stranger = createSocket('udp4')
  stranger.bind(ports[1]! + 1, ip)
  for (const port of ports) {
    const socket = createSocket('udp4')
    socket.on('message', (_msg, from) => {
      socket.send(`${from.address}:${from.port}`, from.port, from.address)
      stranger.send('unsolicited', from.port, from.address)
    })
    socket.bind(port, ip)
  }
  process.stdout.write('ready\n')
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
} else if (mode === 'probe') {
  const socket = createSocket('udp4')
  const mapped = new Map<number, string>()
  let unsolicited = false
  let settling = false
  let done = false
  const give = setTimeout(() => finish(), 3000)
  const ask = setInterval(() => {
    for (const port of ports) if (!mapped.has(port)) socket.send('?', port, ip)
  }, 100)
  socket.on('message', (msg, from) => {
    if (!ports.includes(from.port)) unsolicited = true
    else mapped.set(from.port, msg.toString())
    // Both answered: the stranger's datagram left right after the first answer; a moment more.
    if (mapped.size === ports.length && !settling) {
      settling = true
      setTimeout(finish, 300)
    }
  })
  socket.bind(0, () => {
    for (const port of ports) socket.send('?', port, ip)
  })
  function finish(): void {
    if (done) return
    done = true
    clearTimeout(give)
    clearInterval(ask)
    const result = { mapped: ports.map((p) => mapped.get(p) ?? null), unsolicited }
    process.stdout.write(JSON.stringify(result) + '\n')
    socket.close()
  }
} else {
  process.stderr.write('usage: udp-mapping.ts reflect|probe <ip> <port1> <port2>\n')
  process.exit(2)
}
