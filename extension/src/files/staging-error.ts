/**
 * The typed error of staging a picked file, in a module of its own: the popup's staging channel
 * needs the class (to answer with its code) but not the staging code, whose files database
 * (Dexie) and sealing would otherwise ride in the popup's start-up bundle (issue 21, ADR 0440).
 */
export class StagingError extends Error {
  override readonly name = 'StagingError'
  readonly code: 'storage_full' | 'unreadable'
  constructor(code: StagingError['code'], message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
