/**
 * createMessengerService: what a host (the extension's offscreen document / background page, or a
 * Node test) runs. It owns the lifecycle — no identity: requests answer `no_identity`; after
 * `identity.create` or on start with a stored identity it builds the libp2p node through the
 * injected factory and starts the Messenger — and exposes one MessengerClient that stays valid
 * across those changes, so the host can pass it across runtime ports unchanged.
 *
 * ```ts
 * const service = createMessengerService({
 *   store, notifier, defaultRelays: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3…'],
 *   createNode: (privateKey, relays) => createLibp2p({ privateKey, start: false,
 *     addresses: { listen: [...relays.map(() => '/p2p-circuit'), '/webrtc'] }, ... }),
 * })
 * await service.start()
 * const res = await service.client.request({ type: 'identity.status' })
 * ```
 */
import { cleanDisplayName } from '../text/clean.ts'
import type { PrivateKey } from '@libp2p/interface'
import {
  defaultSettings,
  fail,
  ok,
  type ClientEvent,
  type ClientEventListener,
  type ClientRequest,
  type IdentityStatus,
  type MessengerClient,
  type ResponseFor,
} from '../client/api.ts'
import { parseClientRequest } from '../client/validate.ts'
import { systemPlatform, type CryptoPlatform } from '../crypto/platform.ts'
import type { MessengerStore } from '../store/store.ts'
import { KeyedMutex, type MessengerNotifier } from './context.ts'
import { createLocalIdentity, identityFingerprint, loadLocalIdentity } from './identity.ts'
import { maintainKeys } from './key-maintenance.ts'
import { Messenger, type MessengerOptions } from './messenger.ts'
import type { MessengerNet } from './net.ts'

/** A libp2p node as the service needs it: the messenger's slice plus its lifecycle. */
export interface MessengerNode extends MessengerNet {
  start(): Promise<void>
  stop(): Promise<void>
}

export interface MessengerServiceOptions extends MessengerOptions {
  store: MessengerStore
  /**
   * Builds (not starts) the libp2p node with our PeerId key. Listen on `/p2p-circuit` once per
   * relay (reservations on the relays the messenger keeps connected; unlike `<relay>/p2p-circuit`
   * these come back by themselves after a relay restart) and on `/webrtc`; transports WebSockets +
   * WebRTC + circuit relay, noise, yamux, identify, ping (FINDINGS.md), a gater allowing loopback in
   * dev/test builds.
   */
  createNode: (privateKey: PrivateKey, relays: string[]) => Promise<MessengerNode>
  platform?: CryptoPlatform
  notifier?: MessengerNotifier
  log?: (message: string, err?: unknown) => void
}

export interface MessengerService {
  /** The client API; valid before start and across identity creation. */
  readonly client: MessengerClient
  /** Loads the identity (if any) and starts the node. */
  start(): Promise<void>
  /** Stops the node (the store stays open: the host owns it). */
  stop(): Promise<void>
  /** The running messenger and node (tests, diagnostics), null without identity. */
  readonly messenger: Messenger | null
  readonly node: MessengerNode | null
}

/** Prekey lifetime plus the maximum message age, with margin. */
const SEEN_RETENTION_MS = 120 * 86_400_000

export function createMessengerService(options: MessengerServiceOptions): MessengerService {
  const platform = options.platform ?? systemPlatform
  const log = options.log ?? (() => undefined)
  const listeners = new Set<ClientEventListener>()
  let messenger: Messenger | null = null
  let node: MessengerNode | null = null
  let starting: Promise<void> | null = null
  let stopped = false

  const emit = (e: ClientEvent): void => {
    for (const l of listeners) {
      try {
        l(e)
      } catch (err) {
        log('listener threw', err)
      }
    }
  }

  async function identityStatus(): Promise<IdentityStatus> {
    const rec = await options.store.getIdentity()
    if (rec === undefined) return { state: 'none' }
    return {
      state: 'ready',
      displayName: rec.displayName,
      fingerprint: identityFingerprint(rec.identityPublicKey),
      createdAt: rec.createdAt,
    }
  }

  async function boot(): Promise<void> {
    let record = await options.store.getIdentity()
    if (record === undefined || stopped) return
    const renewed = maintainKeys(record, platform)
    if (renewed !== null) {
      await options.store.putIdentity(renewed)
      record = renewed
    }
    // Ids of replayed PQXDH headers only matter while their prekeys could still be accepted.
    await options.store.pruneSeen(platform.clock() - SEEN_RETENTION_MS).catch(() => 0)
    const { local, secrets, libp2pKey } = loadLocalIdentity(record, platform)
    const settings =
      (await options.store.getSettings()) ?? defaultSettings(options.defaultRelays ?? [])
    node = await options.createNode(libp2pKey, settings.relays)
    await node.start()
    const m = new Messenger(
      {
        store: options.store,
        net: node,
        platform,
        notifier: options.notifier ?? (() => undefined),
        local,
        secrets,
        locks: new KeyedMutex(),
        log,
      },
      options,
    )
    m.subscribe(emit)
    await m.start()
    messenger = m
  }

  const client: MessengerClient = {
    async request<T extends ClientRequest>(request: T): Promise<ResponseFor<T>> {
      try {
        // Requests may come from another context (runtime ports): check shape and caps first.
        try {
          parseClientRequest(request)
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err)
          return fail('invalid_request', message)
        }
        if (request.type === 'identity.status') {
          return ok(await identityStatus())
        }
        if (request.type === 'identity.create') {
          if ((await options.store.getIdentity()) !== undefined) {
            return fail('identity_exists', 'an identity exists on this device')
          }
          // Cleaned as contacts' names are: what we send in hellos is what they will show.
          const name = cleanDisplayName(request.displayName)
          if (name.length === 0) {
            return fail('invalid_request', 'a display name needs at least one visible character')
          }
          const { record } = await createLocalIdentity(platform, name)
          await options.store.putIdentity(record)
          starting = boot()
          await starting
          const status = await identityStatus()
          emit({ type: 'identity.changed', identity: status })
          return ok(status)
        }
        if (starting !== null) await starting.catch(() => undefined)
        if (messenger === null) {
          const hasIdentity = (await options.store.getIdentity()) !== undefined
          return hasIdentity
            ? fail('unavailable', 'the node is not running')
            : fail('no_identity', 'create an identity first')
        }
        return await messenger.request(request)
      } catch (err) {
        log(`request ${request.type} failed`, err)
        return fail('internal', err instanceof Error ? err.message : String(err))
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }

  return {
    client,
    get messenger() {
      return messenger
    },
    get node() {
      return node
    },
    async start() {
      stopped = false
      starting = boot()
      await starting
    },
    async stop() {
      stopped = true
      await starting?.catch(() => undefined)
      await messenger?.stop()
      await node?.stop()
      messenger = null
      node = null
    },
  }
}
