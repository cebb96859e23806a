// Everything the node's host owns, in the document that hosts it (Chrome: offscreen document;
// Firefox: background page): the Dexie store, the messenger service (core/src/messenger) with its
// libp2p node, notifications, and the client API served to pages (`dispatch` + `hub`, see
// client-server.ts: the port validates, the messenger service's dispatcher runs the handler).
// Also answers the small HostApi (node.status, node.ping, host.wake).
//
// Node lifetime:
//   - With an identity, the messenger builds the node from the key stored with the identity, so
//     the PeerId survives restarts of the browser and of the offscreen document.
//   - Before an identity exists there is no key to use: node.status/node.ping get a "bare" node with
//     a throwaway key, stopped as soon as the messenger's node runs. Once an identity exists they
//     never get one: while the messenger's node starts (first start, a retry, a restart for new
//     relays) they wait for it, briefly, and then report it as not started, with its real PeerId.
//   - When Settings change the relays, the messenger restarts so the node reserves a slot on the
//     new relays (it listens on `<relay>/p2p-circuit`, fixed at creation).

import { multiaddr } from '@multiformats/multiaddr'
import { ClientEventHub } from '@hestia/core/client/dispatch.ts'
import type { ClientDispatcher } from '@hestia/core/client/dispatch.ts'
import type { ClientEvent } from '@hestia/core/client/api.ts'
import { createMessengerService } from '@hestia/core/messenger/service.ts'
import { gateWhileLocked } from '@hestia/core/messenger/handlers/vault.ts'
import { withDeadline } from '@hestia/core/wire/deadline.ts'
import type { MessengerNode, MessengerService } from '@hestia/core/messenger/service.ts'
import type { MessengerNotifier } from '@hestia/core/messenger/context.ts'
import type { MessengerStore } from '@hestia/core/store/store.ts'
import type { RowSealer } from '@hestia/core/store/at-rest/row-sealer.ts'
import type { NodeHome } from '../../../plasmo.config.ts'
import type { HostRequest, NodeStatus, PingResult, WakeResult } from '../host-control/protocol.ts'
import { HostRequestError, unknownRequest } from '../host-control/errors.ts'
import { errorCodes, ipcLimits } from '../host-control/protocol.ts'
import type { AddressPolicy } from '../node/address-policy.ts'
import { createBrowserNode, createMailboxNode, type BrowserNode } from '../node/create-node.ts'
import { openDexieStore } from '../store/dexie-store.ts'
import { HostFiles } from './host-files.ts'
import type { SaveFile } from '../files/chunk-sink.ts'
import { filesDatabase } from '../files/files-db.ts'
import { wasmSha256 } from '@hestia/core/files/wasm-sha256.ts'
import { hostLog } from './log.ts'
import { calibrateUnlock, workerKdf } from '../store/kdf-client.ts'
import { HostVault } from './vault.ts'
import type { AutoLockSetting } from './vault.ts'
import { memorySessionKeys, type SessionKeys } from './session-keys.ts'

export interface NodeServiceOptions {
  readonly nodeHome: NodeHome
  readonly policy: AddressPolicy
  /** Relays of a fresh install (build-time define, default-relays.ts); Settings override them. */
  readonly defaultRelays: readonly string[]
  readonly notifier: MessengerNotifier
  /** Opens the call window for a call that just appeared, ringing in or out (call-window.ts). */
  readonly openCallWindow?: (callId: string) => Promise<void>
  /** Saves a received file through the downloads API (files/save-download.ts). */
  readonly saveFile: SaveFile
  /** Default: the extension's Dexie store, sealed with the vault's data key once encrypted. */
  readonly openStore?: (sealer: RowSealer | undefined) => Promise<MessengerStore>
  /** Where the unlocked data key survives a restart of this document (default: memory). */
  readonly sessionKeys?: SessionKeys
  /** Where the auto-lock choice is kept (default: this document's localStorage). */
  readonly autoLock?: AutoLockSetting
  readonly pingTimeoutMs?: number
  /** How long node.status/node.ping wait for the messenger's node to start (default 5 s). */
  readonly nodeWaitMs?: number
  /** First delay before retrying a messenger start that failed; doubles up to 60 s. */
  readonly startRetryMs?: number
  readonly log?: (message: string, error?: unknown) => void
}

const maxStartRetryMs = 60_000
const nodeWaitStepMs = 50

/**
 * An identity exists but its node has not been created yet (the messenger is starting). Asked for
 * over host control (node.status, node.ping), so a host-control error (ADR 0810).
 */
function nodeStarting(): HostRequestError {
  return new HostRequestError(
    errorCodes.requestFailed,
    'The node is starting (the messenger has not created it yet): ask again in a moment.',
  )
}

/** node.status / node.ping while locked: no node runs (ADR 0523). */
function locked(): HostRequestError {
  return new HostRequestError(errorCodes.requestFailed, 'Hestia is locked: no node runs.')
}

const AUTO_LOCK_KEY = 'hestia.autoLockMinutes'

/** The auto-lock choice in this document's localStorage (the offscreen document has no storage.*). */
function localStorageAutoLock(): AutoLockSetting {
  return {
    read: () => {
      const value = globalThis.localStorage?.getItem(AUTO_LOCK_KEY)
      if (value === null || value === undefined) return undefined
      if (value === 'never') return null
      const minutes = Number(value)
      return Number.isInteger(minutes) && minutes > 0 ? minutes : undefined
    },
    write: (minutes) =>
      globalThis.localStorage?.setItem(AUTO_LOCK_KEY, minutes === null ? 'never' : String(minutes)),
    // "Erase this device": this entry and every other of the extension's origin (the popup's).
    clear: () => globalThis.localStorage?.clear(),
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}

export class NodeService {
  /** Client API events for every connected page (the messenger service's one hub). */
  readonly hub: ClientEventHub
  readonly #options: NodeServiceOptions
  readonly #log: (message: string, error?: unknown) => void
  readonly #startedAt = new WeakMap<object, number>()
  /** File bytes: sealed with the vault's files cipher while unlocked (host-files.ts). */
  readonly files: HostFiles
  #service: MessengerService
  /** The store the current messenger service opened (closed on lock). */
  #store: Promise<MessengerStore> | undefined
  /** The passphrase lock (ADR 0523): vault.* requests, the data key, auto-lock. */
  readonly vault: HostVault
  #running: Promise<void> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #messengerNode: BrowserNode | null = null
  #relaysInUse: readonly string[] = []
  #bareNode: Promise<BrowserNode> | undefined
  #restarts: Promise<void> = Promise.resolve()

  constructor(options: NodeServiceOptions) {
    this.#options = options
    this.#log = options.log ?? hostLog
    this.hub = new ClientEventHub((error) => this.#log('an event listener failed', error))
    const kdf = workerKdf()
    this.vault = new HostVault({
      kdf,
      calibrate: () => calibrateUnlock(kdf),
      sessionKeys: options.sessionKeys ?? memorySessionKeys(),
      autoLock: options.autoLock ?? localStorageAutoLock(),
      closeMessenger: () => this.#closeMessenger(),
      startMessenger: () => void this.start(),
      changed: (vault) => this.hub.emit({ type: 'vault.changed', vault }),
      log: (message, error) => this.#log(message, error),
    })
    this.files = new HostFiles(filesDatabase(), options.saveFile, this.vault)
    this.#service = this.#createService()
    this.dispatch = gateWhileLocked(
      this.vault,
      (request) => {
        void this.start()
        return this.#service.dispatch(request)
      },
      () => this.vault.touch(),
    )
    this.hub.subscribe((event) => this.#follow(event))
  }

  #createService(): MessengerService {
    const options = this.#options
    return createMessengerService({
      store: () => this.#openStore(),
      hub: this.hub,
      // WebAssembly SHA-256: ~4x noble's in Chromium, where hashing was a transfer's top cost.
      files: { storage: this.files, sha256: wasmSha256 },
      defaultRelays: [...options.defaultRelays],
      notifier: options.notifier,
      // Backup files use the writers' Argon2id (256 MiB) in a worker, never in this document.
      backup: { kdf: workerKdf() },
      log: (message, error) => this.#log(message, error),
      // Mailbox traffic on throwaway identities, never the reserved PeerId (ADR 0754).
      createMailboxNode: () => createMailboxNode(options.policy),
      createNode: async (privateKey, relays, build) => {
        const node = await createBrowserNode({
          policy: options.policy,
          relays,
          privateKey,
          relayOnly: build.relayOnly,
          log: (message) => this.#log(message),
        })
        this.#startedAt.set(node, Date.now())
        this.#messengerNode = node
        this.#relaysInUse = [...relays]
        void this.#stopBareNode()
        return node as unknown as MessengerNode
      },
      // A new install's device-link offer (issue 19): its own short-lived node, not the messenger's.
      createLinkNode: async (privateKey, relays) =>
        (await createBrowserNode({
          policy: options.policy,
          relays,
          privateKey,
          relayOnly: false,
        })) as unknown as MessengerNode,
    })
  }

  /** The store, opened by the messenger service when it first needs it. */
  #openStore(): Promise<MessengerStore> {
    const opening = this.#openSealedStore()
    this.#store = opening
    opening.catch(() => {
      if (this.#store === opening) this.#store = undefined
    })
    return opening
  }

  async #openSealedStore(): Promise<MessengerStore> {
    const sealer = await this.vault.sealer()
    await this.files.opened()
    const open =
      this.#options.openStore ??
      ((rows: RowSealer | undefined) => openDexieStore(rows === undefined ? {} : { sealer: rows }))
    const store = await open(sealer)
    // Not awaited: the first page request must not wait for file housekeeping.
    this.files
      .sweep(store, Date.now())
      .catch((error: unknown) => this.#log('could not clean up old file data', error))
    return store
  }

  /**
   * Lock (and erase, and encrypting the database): the messenger stops, its store closes, and a
   * fresh service (that has not opened anything) takes requests once unlocked.
   */
  async #closeMessenger(): Promise<void> {
    clearTimeout(this.#retryTimer)
    const service = this.#service
    const store = this.#store
    this.#service = this.#createService()
    this.#store = undefined
    this.#running = undefined
    await service.stop()
    service.dispose()
    this.files.closed()
    this.#messengerNode = null
    await (await store?.catch(() => undefined))?.close()
  }

  /** Starts the messenger (and its node, once an identity exists); retries a failed start. */
  start(): Promise<void> {
    this.#running ??= this.#startUnlocked().catch((error: unknown) => {
      this.#log('the messenger did not start; retrying', error)
      this.#running = undefined
      this.#scheduleRetry()
    })
    return this.#running
  }

  /** Nothing starts while locked: the store stays closed until the passphrase is given. */
  async #startUnlocked(): Promise<void> {
    if ((await this.vault.status()).state === 'locked') {
      this.#running = undefined
      return
    }
    await this.#service.start()
  }

  #retryMs = 0
  #scheduleRetry(): void {
    this.#retryMs = Math.min(
      this.#retryMs === 0 ? (this.#options.startRetryMs ?? 2_000) : this.#retryMs * 2,
      maxStartRetryMs,
    )
    clearTimeout(this.#retryTimer)
    this.#retryTimer = setTimeout(() => void this.start(), this.#retryMs)
  }

  /**
   * A page's request, already validated by its port: wakes the messenger (a start that failed is
   * tried again now, not after its backoff) and hands the request to the service's dispatcher.
   */
  readonly dispatch: ClientDispatcher

  readonly #callWindows = new Set<string>()
  /** Told it was removed from its identity; erased in full once the messenger let go (ADR 0767). */
  #removed = false

  #follow(event: ClientEvent): void {
    // A removed companion (issue 19): the messenger erased its store and runs on without an
    // identity; the host then erases the device as "Erase this device" does — both databases
    // (keyring and file bytes too), the unlocked key, the auto-lock — so nothing of it is left.
    if (event.type === 'device.removed') this.#removed = true
    if (event.type === 'identity.changed' && event.identity.state === 'none' && this.#removed) {
      this.#removed = false
      setTimeout(() => {
        this.vault.erase().catch((error: unknown) => this.#log('erase after removal', error))
      }, 0)
    }
    if (event.type === 'call.updated') {
      const { callId, state } = event.call
      const ringing = state === 'outgoing_ringing' || state === 'incoming_ringing'
      if (state === 'ended') this.#callWindows.delete(callId)
      if (ringing && !this.#callWindows.has(callId) && this.#options.openCallWindow) {
        this.#callWindows.add(callId)
        this.#options.openCallWindow(callId).catch((error: unknown) => {
          this.#log('the call window did not open', error)
        })
      }
    }
    if (event.type === 'settings.changed') {
      const relays = event.settings.relays
      if (this.#messengerNode !== null && !sameList(relays, this.#relaysInUse)) {
        this.#relaysInUse = [...relays]
        // After the response that caused it has gone out.
        setTimeout(() => void this.#restartMessenger(), 0)
      }
    }
  }

  #restartMessenger(): Promise<void> {
    this.#restarts = this.#restarts.then(async () => {
      const service = this.#service
      try {
        await service.stop()
        await service.start()
      } catch (error) {
        this.#log('restarting the messenger with the new relays failed', error)
      }
    })
    return this.#restarts
  }

  async #stopBareNode(): Promise<void> {
    const bare = this.#bareNode
    this.#bareNode = undefined
    if (bare !== undefined) await (await bare.catch(() => undefined))?.stop()
  }

  /**
   * The messenger's node (possibly still starting) once an identity exists; a bare one with a
   * throwaway key before that.
   */
  async node(): Promise<BrowserNode> {
    if ((await this.vault.status()).state === 'locked') throw locked()
    await this.start()
    await this.#restarts
    const node = this.#messengerNode
    if (node !== null && node.status === 'started') return node
    // The messenger's node exists but is (re)starting, or an identity was just created and its
    // node is on the way: a throwaway key here would be reported as this device's PeerId.
    if (node !== null || (await this.#hasIdentity())) {
      this.#log(
        `node asked for while the identity's node is ${node === null ? 'not created yet' : node.status}` +
          `${this.#bareNode === undefined ? '' : ' (stopping the throwaway-key node)'}: waiting for it`,
      )
      void this.#stopBareNode()
      return this.#messengerNodeSoon()
    }
    this.#bareNode ??= this.#startBareNode().catch((error: unknown) => {
      this.#bareNode = undefined
      throw error
    })
    return this.#bareNode
  }

  async #hasIdentity(): Promise<boolean> {
    const response = await this.#service.dispatch({ type: 'identity.status' })
    return response.ok && response.value.state === 'ready'
  }

  /** The messenger's node once started; after `nodeWaitMs` as it is (or nodeStarting()). */
  async #messengerNodeSoon(): Promise<BrowserNode> {
    const deadline = Date.now() + (this.#options.nodeWaitMs ?? 5_000)
    for (;;) {
      const node = this.#messengerNode
      if (node !== null && node.status === 'started') return node
      if (Date.now() >= deadline) {
        if (node !== null) return node
        throw nodeStarting()
      }
      await new Promise((resolve) => setTimeout(resolve, nodeWaitStepMs))
    }
  }

  async #startBareNode(): Promise<BrowserNode> {
    const node = await createBrowserNode({ policy: this.#options.policy, relays: [] })
    await node.start()
    this.#startedAt.set(node, Date.now())
    return node
  }

  async status(): Promise<NodeStatus> {
    const node = await this.node()
    const startedAt = this.#startedAt.get(node) ?? Date.now()
    return {
      peerId: node.peerId.toString(),
      started: node.status === 'started',
      connections: node.getConnections().length,
      multiaddrs: node
        .getMultiaddrs()
        .slice(0, ipcLimits.maxAddresses)
        .map((a) => a.toString()),
      rtcPeerConnection: typeof globalThis.RTCPeerConnection === 'function',
      nodeHome: this.#options.nodeHome,
      startedAt,
      uptimeMs: Date.now() - startedAt,
    }
  }

  async ping(address: string): Promise<PingResult> {
    const node = await this.node()
    // A deadline, not AbortSignal.timeout: the ping's listeners go as soon as it answers.
    const rttMs = await withDeadline(this.#options.pingTimeoutMs ?? 10_000, (signal) =>
      node.services.ping.ping(multiaddr(address), { signal }),
    )
    return { rttMs }
  }

  handle = (request: HostRequest): Promise<unknown> => {
    switch (request.kind) {
      case 'node.status':
        return this.status()
      case 'node.ping':
        return this.ping(request.multiaddr)
      case 'host.wake':
        void this.start()
        return Promise.resolve({ awake: true } satisfies WakeResult)
      default:
        return Promise.reject(unknownRequest(request.kind))
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.#retryTimer)
    this.#running = undefined
    await this.#service.stop()
    await this.#stopBareNode()
  }
}
