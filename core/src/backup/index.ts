/** The encrypted backup file (docs/protocol/backup.md). */
export * from './errors.ts'
export * from './contents.ts'
export * from './format.ts'
export * from './recovery-code.ts'
export * from './store-contents.ts'
