/**
 * createMessengerService: what a host (the extension's offscreen document / background page, or a
 * Node test) runs. It owns the lifecycle — no identity: requests answer `no_identity`; after
 * `identity.create` or on start with a stored identity it builds the libp2p node through the
 * injected factory and starts the Messenger — and serves the client API through one dispatcher
 * (handlers/index.ts) and one event hub, both valid across those changes.
 *
 * ```ts
 * const service = createMessengerService({
 *   store, notifier, defaultRelays: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3…'],
 *   createNode: (privateKey, relays) => createLibp2p({ privateKey, start: false,
 *     addresses: { listen: [...relays.map(() => '/p2p-circuit'), '/webrtc'] }, ... }),
 * })
 * await service.start()
 * serveClientPort(port, service.dispatch, service.hub)            // a page's runtime port, or
 * const res = await service.client.request({ type: 'identity.status' })   // in-process (tests)
 * ```
 */
import type { PrivateKey } from '@libp2p/interface'
import { defaultSettings, type ClientEvent, type MessengerClient } from '../client/api.ts'
import {
  ClientApiError,
  ClientEventHub,
  createDispatcher,
  createLocalClient,
  type ClientDispatcher,
} from '../client/dispatch.ts'
import { systemPlatform, type CryptoPlatform } from '../crypto/platform.ts'
import type { IdentityRecord } from '../store/records.ts'
import type { MessengerStore } from '../store/store.ts'
import { KeyedMutex, type MessengerContext, type MessengerNotifier } from './context.ts'
import {
  clientHandlers,
  gateWhileLocked,
  identityStatus,
  type BackupOptions,
  type Vault,
} from './handlers/index.ts'
import { loadLocalIdentity } from './identity.ts'
import { maintainKeys } from './key-maintenance.ts'
import { Messenger, type MessengerOptions, type MessengerParts } from './messenger.ts'
import type { MessengerNet } from './net.ts'
import { NewDeviceLinks, type LinkingNode } from './devices/new-device-links.ts'
import { storeCompanion, type LinkedInstall } from './devices/companion-identity.ts'
import { settingsBeforeIdentity } from './settings-before-identity.ts'

/** A libp2p node as the service needs it: the messenger's slice plus its lifecycle. */
export interface MessengerNode extends MessengerNet {
  start(): Promise<void>
  stop(): Promise<void>
}

export interface MessengerServiceOptions extends MessengerOptions {
  /**
   * The store, or how to open it (the extension opens IndexedDB on the first request; a failure
   * answers that request `internal` and the next request tries again).
   */
  store: MessengerStore | (() => Promise<MessengerStore>)
  /**
   * Builds (not starts) the libp2p node with our PeerId key. Listen on `/p2p-circuit` once per
   * relay (reservations on the relays the messenger keeps connected; unlike `<relay>/p2p-circuit`
   * these come back by themselves after a relay restart) and on `/webrtc`; transports WebSockets +
   * WebRTC + circuit relay, noise, yamux, identify, ping (FINDINGS.md), a gater allowing loopback in
   * dev/test builds.
   */
  createNode: (
    privateKey: PrivateKey,
    relays: string[],
    build: NodeBuildOptions,
  ) => Promise<MessengerNode>
  platform?: CryptoPlatform
  notifier?: MessengerNotifier
  log?: (message: string, err?: unknown) => void
  /** The event hub pages subscribe to (default: a new one); the host may create it first. */
  hub?: ClientEventHub
  /**
   * The passphrase lock (issue 17, ADR 0523); default: none. Given, vault requests go to it and
   * every other request answers `locked` while it is locked (gateWhileLocked).
   */
  vault?: Vault
  /** Backup export/import (issue 17): the KDF (the extension's worker) and, in tests, parameters. */
  backup?: BackupOptions
  /**
   * Builds (not starts) the short-lived node a new install shows its device-link offer on
   * (`devices.linkStart`, issue 19), with a fresh key; default `createNode`. A host whose
   * `createNode` has side effects (the extension tracks the messenger's node) passes its own.
   */
  createLinkNode?: (privateKey: PrivateKey, relays: string[]) => Promise<MessengerNode>
}

/** A node that can show a link offer needs its addresses (every libp2p node has them). */
function linkingNode(node: MessengerNode): LinkingNode {
  const withAddresses = node as MessengerNode & Partial<Pick<LinkingNode, 'getMultiaddrs'>>
  if (typeof withAddresses.getMultiaddrs !== 'function') {
    throw new ClientApiError('unsupported', 'this host cannot show a device link')
  }
  return withAddresses as LinkingNode
}

/** What the node is built for, from the user's settings. */
export interface NodeBuildOptions {
  /**
   * settings.relayOnly (ADR 0752): the messenger refuses direct connections on any node; a host
   * that can should also leave WebRTC out of this one (nothing then listens on /webrtc).
   */
  relayOnly: boolean
}

export interface MessengerService {
  /** Runs a request that was validated where it entered (serveClientPort); never rejects. */
  readonly dispatch: ClientDispatcher
  /** Every client-API event; valid before start and across identity creation and restarts. */
  readonly hub: ClientEventHub
  /** In-process client over `dispatch` and `hub` (validates each request like a port): tests. */
  readonly client: MessengerClient
  /** Loads the identity (if any) and starts the node. */
  start(): Promise<void>
  /** Stops the node (the store stays open: the host owns it). */
  stop(): Promise<void>
  /**
   * Stopped for good and replaced by a new service over the same hub (the host's lock and erase):
   * its hub listeners go, so a later `device.removed` or `settings.changed` reaches only the
   * service in use (each replaced one used to erase its closed store again).
   */
  dispose(): void
  /** The running messenger and node (tests, diagnostics), null without identity. */
  readonly messenger: Messenger | null
  readonly node: MessengerNode | null
}

/** Prekey lifetime plus the maximum message age, with margin. */
const SEEN_RETENTION_MS = 120 * 86_400_000

/** The store, opened on first use; a failed open is tried again on the next call. */
function openedOnce(store: MessengerServiceOptions['store']): () => Promise<MessengerStore> {
  if (typeof store !== 'function') return () => Promise.resolve(store)
  let opening: Promise<MessengerStore> | null = null
  return () => {
    opening ??= store().catch((err: unknown) => {
      opening = null
      throw err
    })
    return opening
  }
}

/** Before the node starts: prekeys near expiry renewed, replay ids no prekey can accept dropped. */
async function renewKeys(
  db: MessengerStore,
  record: IdentityRecord,
  platform: CryptoPlatform,
): Promise<IdentityRecord> {
  const renewed = maintainKeys(record, platform)
  if (renewed !== null) await db.putIdentity(renewed)
  // Ids of replayed PQXDH headers only matter while their prekeys could still be accepted.
  await db.pruneSeen(platform.clock() - SEEN_RETENTION_MS).catch(() => 0)
  return renewed ?? record
}

/** Builds and starts the node for the stored settings (defaults filled in). */
async function startNode(
  options: MessengerServiceOptions,
  db: MessengerStore,
  key: PrivateKey,
): Promise<{ node: MessengerNode; relayOnly: boolean }> {
  const settings = { ...defaultSettings(options.defaultRelays ?? []), ...(await db.getSettings()) }
  const node = await options.createNode(key, settings.relays, { relayOnly: settings.relayOnly })
  await node.start()
  return { node, relayOnly: settings.relayOnly }
}

/**
 * Relay-only turned off (or on) while running: a node built for the new mode (relay-only.ts says
 * why), after the response that caused it has gone out; restarts run one after another.
 */
function restartOnModeChange(
  hub: ClientEventHub,
  log: (message: string, err?: unknown) => void,
  now: () => {
    builtRelayOnly: boolean
    messenger: Messenger | null
    stopped: boolean
    hostStops: number
    service: MessengerService
  },
): () => void {
  let restarts: Promise<void> = Promise.resolve()
  // Not when the host stopped us meanwhile, also while this restart was stopping (a host stop
  // right after a relay-only change synced from our other device, ADR 0785): it starts us itself.
  const restart = async () => {
    if (now().stopped) return
    const stops = now().hostStops
    await now().service.stop()
    if (now().hostStops === stops + 1) await now().service.start()
  }
  return hub.subscribe((e) => {
    if (e.type !== 'settings.changed') return
    const { messenger, builtRelayOnly } = now()
    if (messenger === null || builtRelayOnly === e.settings.relayOnly) return
    setTimeout(() => {
      restarts = restarts
        .then(restart)
        .catch((err: unknown) => log('restarting for relay-only failed', err))
    }, 0)
  })
}

/**
 * This companion was removed from its identity (`device.removed`, own-channel.ts): after the
 * event has gone out, the node stops, the store is erased and the service runs on without an
 * identity (ADR 0762); every page is told.
 */
function eraseWhenRemoved(
  hub: ClientEventHub,
  log: (message: string, err?: unknown) => void,
  now: () => { service: MessengerService },
  storeReady: () => Promise<MessengerStore>,
): () => void {
  const erase = async () => {
    await now().service.stop()
    await (await storeReady()).erase()
    await now().service.start() // no identity: runs on as a new install
  }
  return hub.subscribe((e) => {
    if (e.type !== 'device.removed') return
    setTimeout(() => {
      erase()
        .then(() => hub.emit({ type: 'identity.changed', identity: { state: 'none' } }))
        .catch((err: unknown) => log('erasing this removed device failed', err))
    }, 0)
  })
}

/** The messenger's context over a started node (the service's hub and log). */
function contextFor(
  options: MessengerServiceOptions,
  hub: ClientEventHub,
  log: (message: string, err?: unknown) => void,
  parts: Pick<MessengerContext, 'store' | 'net' | 'platform' | 'local' | 'secrets'>,
): MessengerContext {
  const notifier = options.notifier ?? (() => undefined)
  const emit = (e: ClientEvent) => hub.emit(e)
  return { ...parts, notifier, emit, locks: new KeyedMutex(), log }
}

/** The new install's side of linking (devices.linkStart), served before there is an identity. */
function newDeviceLinks(
  options: MessengerServiceOptions,
  platform: CryptoPlatform,
  hub: ClientEventHub,
  storeReady: () => Promise<MessengerStore>,
  log: (message: string, err?: unknown) => void,
  /** Starts the messenger for the identity just stored (not when the host stopped us). */
  boot: () => Promise<void>,
): NewDeviceLinks {
  return new NewDeviceLinks({
    platform,
    emit: (e) => hub.emit(e),
    hasIdentity: async () => (await (await storeReady()).getIdentity()) !== undefined,
    relays: async () => {
      const stored = await (await storeReady()).getSettings()
      return stored?.relays ?? options.defaultRelays ?? []
    },
    createNode: async (key, relays) =>
      linkingNode(
        options.createLinkNode !== undefined
          ? await options.createLinkNode(key, relays)
          : await options.createNode(key, relays, { relayOnly: false }),
      ),
    adopt: (linked) => adoptCompanion(linked, storeReady, hub, platform, boot),
    log,
  })
}

/** A linked install: stored as a companion identity, started, and every page told (ADR 0762). */
async function adoptCompanion(
  linked: LinkedInstall,
  storeReady: () => Promise<MessengerStore>,
  hub: ClientEventHub,
  platform: CryptoPlatform,
  boot: () => Promise<void>,
): Promise<void> {
  const db = await storeReady()
  await db.transaction((tx) => storeCompanion(tx, platform, linked))
  await boot()
  hub.emit({ type: 'identity.changed', identity: await identityStatus(db) })
}

export function createMessengerService(options: MessengerServiceOptions): MessengerService {
  const platform = options.platform ?? systemPlatform
  const log = options.log ?? (() => undefined)
  const hub = options.hub ?? new ClientEventHub((err) => log('listener threw', err))
  const storeReady = openedOnce(options.store)
  let messenger: Messenger | null = null
  let node: MessengerNode | null = null
  let starting: Promise<void> | null = null
  let stopped = false
  let builtRelayOnly = false
  let hostStops = 0 // calls of stop(): see restartOnModeChange
  const now = () => ({ builtRelayOnly, messenger, stopped, hostStops, service })
  const off = [restartOnModeChange(hub, log, now), eraseWhenRemoved(hub, log, now, storeReady)]

  async function boot(): Promise<void> {
    const db = await storeReady()
    const stored = await db.getIdentity()
    if (stored === undefined || stopped) return
    const record = await renewKeys(db, stored, platform)
    const { local, secrets, libp2pKey } = loadLocalIdentity(record, platform)
    ;({ node, relayOnly: builtRelayOnly } = await startNode(options, db, libp2pKey))
    const ctx = contextFor(options, hub, log, { store: db, net: node, platform, local, secrets })
    const m = new Messenger(ctx, options)
    await m.start()
    messenger = m
  }

  /** The running messenger's parts, or why there are none. */
  async function running(): Promise<MessengerParts> {
    if (starting !== null) await starting.catch(() => undefined)
    if (messenger !== null) return messenger.parts
    const hasIdentity = (await (await storeReady()).getIdentity()) !== undefined
    throw hasIdentity
      ? new ClientApiError('unavailable', 'the node is not running')
      : new ClientApiError('no_identity', 'create an identity first')
  }

  const handled = createDispatcher(
    clientHandlers(
      {
        store: storeReady,
        platform,
        startNode: () => (starting = boot()),
        emit: (e) => hub.emit(e),
      },
      running,
      options.vault,
      options.backup,
      newDeviceLinks(options, platform, hub, storeReady, log, () => (starting = boot())),
      settingsBeforeIdentity(storeReady, options.defaultRelays ?? [], hub),
    ),
    { log },
  )
  const dispatch = options.vault === undefined ? handled : gateWhileLocked(options.vault, handled)

  const service: MessengerService = {
    dispatch,
    hub,
    client: createLocalClient(dispatch, hub),
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
      hostStops++
      stopped = true
      await starting?.catch(() => undefined)
      await messenger?.stop()
      await node?.stop()
      messenger = null
      node = null
    },
    dispose: () => off.splice(0).forEach((unsubscribe) => unsubscribe()),
  }
  return service
}
