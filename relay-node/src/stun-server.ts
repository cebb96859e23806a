/**
 * A minimal STUN server (RFC 5389): answers Binding requests with XOR-MAPPED-ADDRESS so browsers
 * learn their public address from their own relay instead of a third party. Anything that is not a
 * well-formed Binding request is dropped silently (RFC 5389 §7.3); a per-IP token bucket keeps the
 * relay from being used as a reflector.
 */
import { createSocket } from 'node:dgram'
import type { RemoteInfo, Socket } from 'node:dgram'
import { isIPv4 } from 'node:net'
import { RateLimiter } from './rate-limit.ts'

const MAGIC_COOKIE = 0x2112a442 // RFC 5389 §6
const HEADER_BYTES = 20
const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101
const ATTR_XOR_MAPPED_ADDRESS = 0x0020 // RFC 5389 §15.2
/** Largest request we look at; real Binding requests are well under this. */
export const MAX_STUN_REQUEST_BYTES = 548

export interface StunServerOptions {
  host: string
  port: number
  onRequest?: (result: 'answered' | 'ignored') => void
}

/** Returns the response for a valid Binding request, or undefined for anything else. */
export function stunResponse(
  msg: Buffer,
  from: { address: string; port: number },
): Buffer | undefined {
  if (msg.length < HEADER_BYTES || msg.length > MAX_STUN_REQUEST_BYTES) return undefined
  const type = msg.readUInt16BE(0)
  const length = msg.readUInt16BE(2)
  // §6: the two top bits are zero; the length excludes the header and is a multiple of 4.
  if ((msg[0]! & 0xc0) !== 0 || type !== BINDING_REQUEST) return undefined
  if (length !== msg.length - HEADER_BYTES || length % 4 !== 0) return undefined
  if (msg.readUInt32BE(4) !== MAGIC_COOKIE) return undefined
  // Attributes must tile the body exactly (§15: type, length, value padded to 4).
  for (let o = HEADER_BYTES; o < msg.length;) {
    if (o + 4 > msg.length) return undefined
    const attrLen = msg.readUInt16BE(o + 2)
    o += 4 + Math.ceil(attrLen / 4) * 4
    if (o > msg.length) return undefined
  }
  const transactionId = msg.subarray(8, HEADER_BYTES)
  const v4 = isIPv4(from.address)
  const addr = v4 ? ipv4Bytes(from.address) : ipv6Bytes(from.address)
  if (addr === undefined) return undefined
  const valueLen = 4 + addr.length
  const out = Buffer.alloc(HEADER_BYTES + 4 + valueLen)
  out.writeUInt16BE(BINDING_SUCCESS, 0)
  out.writeUInt16BE(4 + valueLen, 2)
  out.writeUInt32BE(MAGIC_COOKIE, 4)
  transactionId.copy(out, 8)
  const o = HEADER_BYTES
  out.writeUInt16BE(ATTR_XOR_MAPPED_ADDRESS, o)
  out.writeUInt16BE(valueLen, o + 2)
  out[o + 4] = 0
  out[o + 5] = v4 ? 0x01 : 0x02
  out.writeUInt16BE(from.port ^ (MAGIC_COOKIE >>> 16), o + 6)
  // §15.2: X-Address is the address XORed with the cookie (and, for IPv6, the transaction id).
  const mask = Buffer.concat([out.subarray(4, 8), transactionId])
  for (let i = 0; i < addr.length; i++) out[o + 8 + i] = addr[i]! ^ mask[i]!
  return out
}

function ipv4Bytes(ip: string): Buffer | undefined {
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    return undefined
  return Buffer.from(parts)
}

function ipv6Bytes(ip: string): Buffer | undefined {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const head = ip.split('%')[0] ?? ''
  const [l, r] = head.split('::') as [string, string | undefined]
  const left = l === '' ? [] : l.split(':')
  const right = r === undefined || r === '' ? [] : r.split(':')
  if (v4mapped !== null)
    return Buffer.concat([
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]),
      ipv4Bytes(v4mapped[1]!)!,
    ])
  const fill = r === undefined ? 0 : 8 - left.length - right.length
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right]
  if (groups.length !== 8) return undefined
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2))
  return out
}

export class StunServer {
  private socket: Socket | undefined
  private readonly options: StunServerOptions
  private readonly limiter = new RateLimiter({ perSecond: 20, burst: 40 })

  constructor(options: StunServerOptions) {
    this.options = options
  }

  async start(): Promise<number> {
    const socket = createSocket({ type: this.options.host.includes(':') ? 'udp6' : 'udp4' })
    this.socket = socket
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onMessage(msg, rinfo))
    socket.on('error', () => undefined) // a bad datagram must never take the relay down
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    return socket.address().port
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const response = this.limiter.take(rinfo.address) === 0 ? stunResponse(msg, rinfo) : undefined
    this.options.onRequest?.(response === undefined ? 'ignored' : 'answered')
    if (response !== undefined) this.socket?.send(response, rinfo.port, rinfo.address)
  }

  async stop(): Promise<void> {
    const socket = this.socket
    this.socket = undefined
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()))
  }
}
