/**
 * Staging through the node's host (issue 17): the page where the user picked a file hands the
 * File itself to the host document (Chrome's offscreen document, Firefox's background page) over a
 * same-origin BroadcastChannel, and the host stages it. With a passphrase set the host alone holds
 * the data key, so only it can seal the copy (sealed-staging.ts); the popup never gets a key and
 * never writes the picked bytes to disk itself.
 *
 * A File crosses a BroadcastChannel by structured clone: a reference to the same disk-backed
 * bytes, not a copy. Only the extension's own pages share its origin, so only they can post here;
 * what arrives is still checked (shape, id length) and anything else is ignored.
 *
 * Protocol: the page posts `{ type: 'stage', id, file }`; the host answers `{ type: 'accepted',
 * id }` at once (so a page can tell "no host" from "a large file takes a while"), then
 * `{ type: 'staged', id, staged }` or `{ type: 'failed', id, code, message }`.
 */
import type { StagedFile } from '@hestia/core/client/api.ts'
import { StagingError } from './staging-error.ts'

export const STAGING_CHANNEL = 'hestia/v1/staging'
const MAX_ID_LENGTH = 64
/** How long a page waits for the host to acknowledge a file. */
export const STAGING_ACCEPT_MS = 5_000
/** Then at least this long for the staging itself, plus a second per MiB (slow disks). */
const STAGING_MIN_MS = 60_000

type StagingCode = StagingError['code'] | 'locked' | 'host_unavailable'

type StagingMessage =
  | { type: 'stage'; id: string; file: Blob & { name?: string } }
  | { type: 'accepted'; id: string }
  | { type: 'staged'; id: string; staged: StagedFile }
  | { type: 'failed'; id: string; code: StagingCode; message: string }

/** A failed staging as the page sees it: the host's typed code and sentence. */
export class HostStagingError extends Error {
  override readonly name = 'HostStagingError'
  readonly code: StagingCode
  constructor(code: StagingCode, message: string) {
    super(message)
    this.code = code
  }
}

/** The channel pair both sides use (tests pass their own). */
export type OpenChannel = () => Pick<
  BroadcastChannel,
  'postMessage' | 'close' | 'addEventListener' | 'removeEventListener'
>

const openBroadcast: OpenChannel = () => new BroadcastChannel(STAGING_CHANNEL)

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH
}

function parse(data: unknown): StagingMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const message = data as Record<string, unknown>
  if (!isId(message['id'])) return undefined
  switch (message['type']) {
    case 'stage':
      return message['file'] instanceof Blob ? (message as StagingMessage) : undefined
    case 'accepted':
      return message as StagingMessage
    case 'staged': {
      const staged = message['staged'] as Partial<StagedFile> | null
      return typeof staged === 'object' &&
        staged !== null &&
        typeof staged.stagedFileId === 'string' &&
        typeof staged.name === 'string' &&
        typeof staged.size === 'number' &&
        typeof staged.mimeType === 'string'
        ? (message as StagingMessage)
        : undefined
    }
    case 'failed':
      return typeof message['code'] === 'string' && typeof message['message'] === 'string'
        ? (message as StagingMessage)
        : undefined
    default:
      return undefined
  }
}

function failure(error: unknown): { code: StagingCode; message: string } {
  if (error instanceof StagingError || error instanceof HostStagingError)
    return { code: error.code, message: error.message }
  return { code: 'unreadable', message: 'This file could not be read. Pick it again.' }
}

/** The host's side: stages every File a page posts; returns a function that stops serving. */
export function serveStaging(
  stage: (file: File) => Promise<StagedFile>,
  open: OpenChannel = openBroadcast,
): () => void {
  const channel = open()
  const onMessage = (event: Event) => {
    const message = parse((event as MessageEvent).data)
    if (message?.type !== 'stage') return
    const { id } = message
    channel.postMessage({ type: 'accepted', id })
    // A Blob without a name (not a File) still stages, under the name "file".
    const file = message.file instanceof File ? message.file : new File([message.file], 'file', {})
    stage(file).then(
      (staged) => channel.postMessage({ type: 'staged', id, staged }),
      (error: unknown) => channel.postMessage({ type: 'failed', id, ...failure(error) }),
    )
  }
  channel.addEventListener('message', onMessage)
  return () => {
    channel.removeEventListener('message', onMessage)
    channel.close()
  }
}

/** The page's side: the host stages `file`; resolves with what the page offers (its id). */
export function stageThroughHost(
  file: File,
  options: { open?: OpenChannel; acceptMs?: number } = {},
): Promise<StagedFile> {
  const channel = (options.open ?? openBroadcast)()
  const id = crypto.randomUUID()
  return new Promise<StagedFile>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (outcome: () => void) => {
      clearTimeout(timer)
      channel.removeEventListener('message', onMessage)
      channel.close()
      outcome()
    }
    const arm = (ms: number, message: string) => {
      clearTimeout(timer)
      timer = setTimeout(
        () => finish(() => reject(new HostStagingError('host_unavailable', message))),
        ms,
      )
    }
    const onMessage = (event: Event) => {
      const message = parse((event as MessageEvent).data)
      if (message === undefined || message.id !== id) return
      if (message.type === 'accepted')
        arm(
          STAGING_MIN_MS + Math.ceil(file.size / 1_048_576) * 1_000,
          'Preparing the file took too long.',
        )
      else if (message.type === 'staged') finish(() => resolve(message.staged))
      else if (message.type === 'failed')
        finish(() => reject(new HostStagingError(message.code, message.message)))
    }
    channel.addEventListener('message', onMessage)
    arm(options.acceptMs ?? STAGING_ACCEPT_MS, 'Hestia is not running: the file was not prepared.')
    channel.postMessage({ type: 'stage', id, file })
  })
}
