/**
 * Saving a finished file through the browser's downloads API, as a SaveFile (chunk-sink.ts).
 * The blob: URL is made in the document that holds the Blob (Chrome: the offscreen document,
 * Firefox: the background page) and revoked only when the download is complete: the browser
 * reads the file from that URL while it saves.
 */
import type { DownloadState } from '../host-control/protocol.ts'
import type { WebExtDownloads } from '../platform/webext.ts'
import type { SaveFile } from './chunk-sink.ts'
import { downloadPath } from './download-name.ts'

/** Starts a download and reports its state: the downloads API itself, or the background's. */
export interface Downloads {
  start(url: string, filename: string): Promise<number>
  state(downloadId: number): Promise<DownloadState>
}

export class DownloadFailedError extends Error {
  override readonly name = 'DownloadFailedError'
  /** The browser's reason, e.g. FILE_NO_SPACE, USER_CANCELED. */
  readonly reason: string
  constructor(reason: string) {
    super(`the browser did not save the file (${reason}); resume the transfer to try again`)
    this.reason = reason
  }
}

/** Downloads through the API of this context (Firefox's background page, Chrome's worker). */
export function directDownloads(api: WebExtDownloads): Downloads {
  return {
    start: (url, filename) =>
      api.download({ url, filename, conflictAction: 'uniquify', saveAs: false }),
    async state(downloadId) {
      const [item] = await api.search({ id: downloadId })
      if (item === undefined) return { state: 'interrupted', error: 'DOWNLOAD_GONE' }
      const state =
        item.state === 'complete' || item.state === 'interrupted' ? item.state : 'in_progress'
      return {
        state,
        error: state === 'interrupted' ? (item.error ?? 'UNKNOWN').slice(0, 128) : null,
      }
    },
  }
}

export interface SaveOptions {
  /** How often the state is checked while the browser writes the file. */
  pollMs?: number
  createObjectURL?: (blob: Blob) => string
  revokeObjectURL?: (url: string) => void
}

export function saveWithDownloads(downloads: Downloads, options: SaveOptions = {}): SaveFile {
  const pollMs = options.pollMs ?? 250
  const createUrl = options.createObjectURL ?? ((blob: Blob) => URL.createObjectURL(blob))
  const revokeUrl = options.revokeObjectURL ?? ((url: string) => URL.revokeObjectURL(url))
  return async (file, name) => {
    const url = createUrl(file)
    try {
      const id = await downloads.start(url, downloadPath(name))
      for (;;) {
        const { state, error } = await downloads.state(id)
        if (state === 'complete') return
        if (state === 'interrupted') throw new DownloadFailedError(error ?? 'UNKNOWN')
        // Bounded by the browser: a download ends complete or interrupted (disk full, cancelled).
        await new Promise((resolve) => setTimeout(resolve, pollMs))
      }
    } finally {
      revokeUrl(url)
    }
  }
}
