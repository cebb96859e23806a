/**
 * Classifies a NAT the way RFC 5780 does, so the reachability test can check that each namespace
 * NAT is the kind its label says before trusting what the peers behind it report.
 *
 *   node udp-mapping.ts reflect <ip> <port1> <port2>   (public side) answers every datagram with
 *                                                      the address and port it came from, and
 *                                                      writes once more from port2 + 1
 *   node udp-mapping.ts probe <ip> <port1> <port2>     (home side) one socket asks both ports and
 *                                                      prints {"mapped":[…],"unsolicited":bool}
 *   node udp-mapping.ts stun <ip> <port>… <ms>         asks a STUN Binding of each port until all
 *                                                      answered (exit 0) or ms passed (exit 1,
 *                                                      naming the silent ones): a service's
 *                                                      start-up check
 *
 * Mapping: one outside address for both destinations is endpoint-independent (cone), two is
 * symmetric. Filtering: a datagram from port2 + 1, which the probe never wrote to, gets in only
 * through a full-cone NAT. Bounded: the probe gives up after 3 s, the reflector exits when its
 * parent closes stdin.
 */
import { createSocket } from 'node:dgram'
import type { Socket } from 'node:dgram'
import { randomBytes } from 'node:crypto'

const [mode, ip, p1, p2] = process.argv.slice(2)
const ports = [Number(p1), Number(p2)]

/** Binds, or exits saying which address could not be had (the test shows our output). */
function bound(socket: Socket, port: number): Promise<void> {
  return new Promise((ok) => {
    socket.once('error', (err) => {
      process.stderr.write(`cannot bind ${ip}:${port}: ${err.message}\n`)
      process.exit(1)
    })
    socket.bind(port, ip, () => ok())
  })
}

if (mode === 'reflect') {
  const stranger = createSocket('udp4')
  const binds = [bound(stranger, ports[1]! + 1)]
  for (const port of ports) {
    const socket = createSocket('udp4')
    socket.on('message', (_msg, from) => {
      socket.send(`${from.address}:${from.port}`, from.port, from.address)
      stranger.send('unsolicited', from.port, from.address)
    })
    binds.push(bound(socket, port))
  }
  // Ready only once every port is bound: a probe sent earlier would go unanswered.
  await Promise.all(binds)
  process.stdout.write('ready\n')
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
} else if (mode === 'stun') {
  const args = process.argv.slice(4)
  const ms = Number(args.pop())
  const targets = new Set(args.map(Number))
  const socket = createSocket('udp4')
  // RFC 5389 §6: Binding request, no attributes, magic cookie, 96-bit transaction id.
  const request = Buffer.alloc(20)
  request.writeUInt16BE(0x0001, 0)
  request.writeUInt32BE(0x2112a442, 4)
  randomBytes(12).copy(request, 8)
  socket.on('message', (msg, from) => {
    const answer = msg.length >= 20 && msg.readUInt16BE(0) === 0x0101
    if (answer && msg.subarray(8, 20).equals(request.subarray(8, 20))) targets.delete(from.port)
    if (targets.size === 0) {
      process.stdout.write('answered\n')
      process.exit(0)
    }
  })
  socket.bind(0, () => {
    const ask = () => {
      for (const port of targets) socket.send(request, port, ip)
    }
    ask()
    setInterval(ask, 200)
    setTimeout(() => {
      process.stdout.write(
        `no STUN answer from ${ip} port ${[...targets].join(', ')} in ${ms} ms\n`,
      )
      process.exit(1)
    }, ms)
  })
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
  process.stderr.write(
    'usage: udp-mapping.ts reflect|probe <ip> <port1> <port2> | stun <ip> <port>… <ms>\n',
  )
  process.exit(2)
}
