/**
 * "Open" and "Show in folder" for a received file (issue 23), from the popup page. The node saves
 * a received file through the downloads API under Hestia/<safe name> (download-name.ts), with the
 * browser adding " (1)" on a clash; the popup finds that download again by folder, name and size
 * (newest first) and asks the browser to show or open it. `downloads.show` needs only the
 * `downloads` permission; `downloads.open` needs `downloads.open`, so "Open" is offered only when
 * the extension holds it.
 */
import type { ReceivedFiles } from '@hestia/ui/lib/types.ts'
import { DOWNLOAD_FOLDER, safeDownloadName } from './download-name.ts'

interface DownloadItem {
  id: number
  filename: string
  fileSize: number
  totalBytes: number
  exists?: boolean
}

export interface DownloadsForFiles {
  search(query: {
    filenameRegex: string
    state: 'complete'
    orderBy: string[]
    limit: number
  }): Promise<DownloadItem[]>
  show(downloadId: number): void
  open?(downloadId: number): Promise<void> | void
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The pattern of the saved file's path: any folder, then Hestia/<name>, maybe " (n)" before the extension. */
export function savedFilePattern(offeredName: string): string {
  const name = safeDownloadName(offeredName)
  const dot = name.lastIndexOf('.')
  const stem = dot > 0 ? name.slice(0, dot) : name
  const extension = dot > 0 ? name.slice(dot) : ''
  return `[/\\\\]${escapeRegex(DOWNLOAD_FOLDER)}[/\\\\]${escapeRegex(stem)}( \\(\\d+\\))?${escapeRegex(extension)}$`
}

export function receivedFiles(
  downloads: DownloadsForFiles,
  hasOpenPermission: () => Promise<boolean>,
): ReceivedFiles {
  async function find(file: { name: string; size: number }): Promise<DownloadItem | undefined> {
    const items = await downloads.search({
      filenameRegex: savedFilePattern(file.name),
      state: 'complete',
      orderBy: ['-startTime'],
      limit: 20,
    })
    return items.find(
      (item) =>
        item.exists !== false && (item.fileSize === file.size || item.totalBytes === file.size),
    )
  }
  const canOpen = async (): Promise<boolean> =>
    downloads.open !== undefined && (await hasOpenPermission().catch(() => false))
  return {
    canOpen,
    async show(file) {
      const item = await find(file)
      if (item === undefined) return false
      downloads.show(item.id)
      return true
    },
    async open(file) {
      const item = await find(file)
      if (item === undefined || downloads.open === undefined || !(await canOpen())) return false
      await downloads.open(item.id)
      return true
    },
  }
}
