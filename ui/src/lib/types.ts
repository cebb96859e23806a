// Small types shared by components.
import type { StagedFile } from '@hestia/core/client/api.ts'

/** What a person can do with a file transfer from its card. */
export type TransferAction = 'accept' | 'decline' | 'pause' | 'resume' | 'cancel'

/**
 * Hands a picked File to the host and returns its staging id (the bytes never cross the client
 * API; see StagedFile in core/src/client/api.ts). The extension supplies the real one.
 */
export type StageFile = (file: File) => Promise<StagedFile>
