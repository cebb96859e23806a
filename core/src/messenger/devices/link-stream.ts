/**
 * `/hestia/device-link/1.0.0`: the link handshake (link.ts, ADR 0110) over one libp2p stream. The
 * existing device dials the new device through the relay named in the offer (a relayed, limited
 * connection: the whole exchange is a few KiB, far below the relay's per-connection budget), then:
 *
 *   E → N  hello      N → E  reveal      (both show the code; the user confirms on E)
 *   E → N  grant (or an empty frame: declined)      N → E  one byte: 0x01 taken, 0x02 refused
 *
 * Frames are unsigned-varint length-prefixed and capped (limits.ts). Every wait has a deadline.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { lpStream } from '@libp2p/utils'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import { deadline } from '../../wire/deadline.ts'
import { asProtocolError } from '../../wire/errors.ts'
import { deviceIdOf } from '../net.ts'
import { DEVICE_CAPS } from './limits.ts'
import type { LinkGrantFields, LinkRequestFields } from './link-codec.ts'
import { ExistingDeviceLink, type NewDeviceLink } from './link.ts'

export const DEVICE_LINK_PROTOCOL = '/hestia/device-link/1.0.0'

const ACK = { taken: 0x01, refused: 0x02 } as const

/** Why a link did not complete (besides a ProtocolError on bad frames). */
export class LinkError extends Error {
  override readonly name = 'LinkError'
  readonly code: 'declined' | 'refused' | 'timeout'
  constructor(code: LinkError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** The parts of a libp2p node the link uses. */
export interface LinkNode {
  handle(
    protocol: string,
    handler: (stream: Stream, connection: Connection) => void | Promise<void>,
    options?: { runOnLimitedConnection?: boolean; maxInboundStreams?: number },
  ): Promise<void>
  unhandle(protocol: string): Promise<void>
  /** `force`: a connection of the link's own, never one already open (see linkNewDevice). */
  dial(address: Multiaddr, options?: { force?: boolean; signal?: AbortSignal }): Promise<Connection>
}

export interface NewDeviceHooks {
  /** Show the code on the new device's screen (the user compares it with the existing device's). */
  showCode(code: string): void
  /**
   * Takes the opened grant: check it (acceptLinkGrant), then ask the user whether the existing
   * device shows the same code, naming the identity (ADR 0110 step 6: someone who saw the link may
   * have dialled first); store it only then. False refuses it.
   */
  takeGrant(grant: LinkGrantFields): Promise<boolean>
}

/**
 * New device: serves one link on `node` until it completes, fails or `timeoutMs` (the offer's
 * lifetime) passes. Resolves with the grant taken; the handler is removed either way.
 */
export async function awaitLink(
  node: LinkNode,
  link: NewDeviceLink,
  request: LinkRequestFields,
  hooks: NewDeviceHooks,
  timeoutMs: number,
): Promise<LinkGrantFields> {
  const limit = deadline(timeoutMs)
  let settle!: { ok: (g: LinkGrantFields) => void; fail: (e: unknown) => void }
  const done = new Promise<LinkGrantFields>((ok, fail) => (settle = { ok, fail }))
  let busy = false
  const onTimeout = () => settle.fail(new LinkError('timeout', 'nobody linked this device in time'))
  limit.signal.addEventListener('abort', onTimeout, { once: true })
  await node.handle(
    DEVICE_LINK_PROTOCOL,
    async (stream) => {
      if (busy) return stream.abort(new Error('a link is already under way'))
      busy = true // one offer, one handshake (NewDeviceLink also refuses a second hello)
      try {
        settle.ok(await serveOne(stream, link, request, hooks, limit.signal))
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
        settle.fail(err)
      }
    },
    { runOnLimitedConnection: true, maxInboundStreams: 1 },
  )
  try {
    return await done
  } finally {
    limit.clear()
    await node.unhandle(DEVICE_LINK_PROTOCOL)
  }
}

async function serveOne(
  stream: Stream,
  link: NewDeviceLink,
  request: LinkRequestFields,
  hooks: NewDeviceHooks,
  signal: AbortSignal,
): Promise<LinkGrantFields> {
  const lp = lpStream(stream, { maxDataLength: DEVICE_CAPS.linkGrant + 64 })
  const hello = (await lp.read({ signal })).subarray()
  const { reveal, code } = link.answerHello(hello, request)
  await lp.write(reveal, { signal })
  hooks.showCode(code)
  const sealed = (await lp.read({ signal })).subarray()
  if (sealed.length === 0) throw new LinkError('declined', 'the code was not confirmed')
  const grant = link.openGrant(sealed)
  const taken = await hooks.takeGrant(grant)
  await lp.write(Uint8Array.of(taken ? ACK.taken : ACK.refused), { signal })
  await stream.close({ signal }).catch(() => undefined)
  if (!taken) throw new LinkError('refused', 'this device refused the grant')
  return grant
}

export interface ExistingDeviceHooks {
  /** Show the code and ask the user whether both screens show it; true sends the grant. */
  confirm(code: string, request: LinkRequestFields): Promise<boolean>
  /** Builds the grant for the verified request (link-grant.ts buildLinkGrant), after confirmation. */
  grant(request: LinkRequestFields): LinkGrantFields | Promise<LinkGrantFields>
}

/** Where the new device listens: its relay, then the circuit to its PeerId. */
export function linkAddress(relay: string, peerId: Uint8Array): Multiaddr {
  return asProtocolError('malformed', 'link offer address', () =>
    multiaddr(`${relay}/p2p-circuit/p2p/${deviceIdOf(peerId)}`),
  )
}

/**
 * Existing device: links the device whose offer was scanned or pasted. Resolves with the request
 * the new device made once it confirmed taking the grant; throws LinkError ('declined' when the
 * user said the codes differ, 'refused', 'timeout') or ProtocolError for bad frames.
 */
export async function linkNewDevice(
  node: LinkNode,
  offer: Uint8Array,
  platform: CryptoPlatform,
  hooks: ExistingDeviceHooks,
  timeoutMs: number,
): Promise<LinkRequestFields> {
  const link = new ExistingDeviceLink(offer, platform)
  const limit = deadline(timeoutMs)
  const signal = limit.signal
  let connection: Connection | undefined
  let stream: Stream | undefined
  try {
    // A new circuit for every attempt (ADR 0462): libp2p would otherwise hand back a relayed
    // connection still open from an earlier attempt, whose relay limits (time, bytes) run from
    // that attempt, and the relay could cut this one mid-link.
    connection = await node.dial(linkAddress(link.offer.relay, link.offer.peerId), {
      force: true,
      signal,
    })
    stream = await connection.newStream(DEVICE_LINK_PROTOCOL, {
      runOnLimitedConnection: true,
      signal,
    })
    const lp = lpStream(stream, { maxDataLength: DEVICE_CAPS.linkReveal + 64 })
    await lp.write(link.hello, { signal })
    const { code, request } = link.receiveReveal((await lp.read({ signal })).subarray())
    if (!(await hooks.confirm(code, request))) {
      await lp.write(new Uint8Array(0), { signal })
      await stream.close({ signal }).catch(() => undefined)
      throw new LinkError('declined', 'the codes did not match; nothing was signed')
    }
    await lp.write(link.sealGrant(await hooks.grant(request)), { signal })
    const ack = (await lp.read({ signal })).subarray()
    await stream.close({ signal }).catch(() => undefined)
    if (ack.length !== 1 || ack[0] !== ACK.taken) {
      throw new LinkError('refused', 'the new device did not take the grant')
    }
    return request
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
    if (signal.aborted && !(err instanceof LinkError)) {
      throw new LinkError('timeout', 'the new device did not answer in time', { cause: err })
    }
    throw err
  } finally {
    limit.clear()
    if (connection !== undefined) await closeUnlessShared(connection, stream)
  }
}

/**
 * Closes the link's connection when nothing but the link's stream ran on it. libp2p may have
 * handed it to another dial to the same device meanwhile (a relayed dial to the same address
 * takes an open connection with that address): that one is left to its owner and the relay's
 * limits.
 */
async function closeUnlessShared(connection: Connection, ours: Stream | undefined): Promise<void> {
  if (connection.streams.some((s) => s !== ours && s.status === 'open')) return
  await connection.close().catch((err: unknown) => {
    connection.abort(err instanceof Error ? err : new Error(String(err)))
  })
}
