/**
 * A running relay's key rotation (ADR 0202): `rotateKey` starts a node with the next identity
 * beside the current one; at the end of the grace period the next identity takes over the main
 * listen addresses (the old node stops, its clients reconnect to the same addresses and find the
 * next key there, which they learned from `info`), and the extra listener closes. A rotation found
 * on disk at start resumes where it was.
 */
import type { PrivateKey } from '@libp2p/interface'
import type { Logger } from 'pino'
import { beginRotation, promoteIfDue, readRotation } from './identity.ts'
import type { RotationState } from './identity.ts'
import type { RelayNodes } from './relay-nodes.ts'

export interface KeyRotationDeps {
  dataDir: string
  /** Grace period of a rotation started without one. */
  defaultGraceMs: number
  nodes: RelayNodes
  now: () => number
  logger: Logger
  /** The relay's public description changed (relay.json). */
  published: () => void
}

export interface RotationStarted {
  nextPeerId: string
  multiaddrs: string[]
  graceUntil: string
}

export class KeyRotation {
  readonly #deps: KeyRotationDeps
  #current: { state: RotationState; key: PrivateKey } | undefined
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(deps: KeyRotationDeps) {
    this.#deps = deps
    this.#current = readRotation(deps.dataDir)
  }

  /** The rotation in progress, if any. */
  get state(): RotationState | undefined {
    return this.#current?.state
  }

  /** At start: a rotation in progress gets its next node again. */
  async resume(): Promise<void> {
    if (this.#current !== undefined) await this.#deps.nodes.startNext(this.#current.key)
  }

  async rotateKey(graceMs = this.#deps.defaultGraceMs): Promise<RotationStarted> {
    const { dataDir, now, nodes, logger } = this.#deps
    const started = await beginRotation(dataDir, now(), graceMs)
    this.#current = started
    const next = await nodes.startNext(started.key)
    this.#deps.published()
    this.schedule()
    logger.info({ nextPeerId: started.state.nextPeerId }, 'key rotation started')
    return {
      nextPeerId: started.state.nextPeerId,
      multiaddrs: next.getMultiaddrs().map(String),
      graceUntil: new Date(started.state.graceUntil).toISOString(),
    }
  }

  /** Arms the timer for the end of the grace period (nothing to do without a rotation). */
  schedule(): void {
    clearTimeout(this.#timer)
    if (this.#current === undefined) return
    const delay = Math.min(
      Math.max(0, this.#current.state.graceUntil - this.#deps.now()),
      2 ** 31 - 1,
    )
    this.#timer = setTimeout(() => {
      this.#complete().catch((err: unknown) =>
        this.#deps.logger.error({ err }, 'key rotation failed'),
      )
    }, delay)
    this.#timer.unref()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  async #complete(): Promise<void> {
    const { dataDir, now, nodes, logger } = this.#deps
    if (this.#current === undefined || this.#stopped) return
    if (now() < this.#current.state.graceUntil) return this.schedule()
    const { key } = this.#current
    promoteIfDue(dataDir, now())
    this.#current = undefined
    if (!(await nodes.replaceWith(key, () => this.#stopped))) return
    this.#deps.published()
    logger.info(
      {
        peerId: nodes.primary.peerId.toString(),
        multiaddrs: nodes.primary.getMultiaddrs().map(String),
      },
      'key rotation completed: the next identity is now current',
    )
  }
}
