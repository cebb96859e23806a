// Small types shared by components.
import type { StagedFile } from '@hestia/core/client/api.ts'

/** What a person can do with a file transfer from its card. */
export type TransferAction = 'accept' | 'decline' | 'pause' | 'resume' | 'cancel'

/**
 * Hands a picked File to the host and returns its staging id (the bytes never cross the client
 * API; see StagedFile in core/src/client/api.ts). The extension supplies the real one.
 */
export type StageFile = (file: File) => Promise<StagedFile>

/** What the host reports about the libp2p node, for the diagnostics line (Settings, first run). */
export interface NodeDiagnostics {
  /** 'starting': an identity exists and its node is not up yet (no PeerId to show). */
  state: 'running' | 'starting' | 'stopped'
  /** Where the node runs (offscreen document, background page). */
  home: string
  connections: number
  /** This device's libp2p PeerId; '' while starting. */
  peerId: string
}

/** Asks the host for the node's state; the extension supplies it. */
export type DiagnosticsSource = () => Promise<NodeDiagnostics>

/**
 * What the host can do with a file that was received and saved (issue 23): show it in its folder,
 * open it (when the browser allows the extension to). Each resolves false when the saved file is
 * no longer in the browser's downloads.
 */
export interface ReceivedFiles {
  /** Whether the browser lets the extension open files (the `downloads.open` permission). */
  canOpen(): Promise<boolean>
  show(file: { name: string; size: number }): Promise<boolean>
  open(file: { name: string; size: number }): Promise<boolean>
}

/** The Svelte context key under which App hands ReceivedFiles to the file cards. */
export const RECEIVED_FILES_CONTEXT = 'hestia.receivedFiles'
