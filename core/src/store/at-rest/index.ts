/** At-rest encryption: passphrase KDF, data key wrapping, field and row sealing (ADR 0520). */
export * from './errors.ts'
export * from './argon2id.ts'
export * from './field-cipher.ts'
export * from './data-key.ts'
export * from './row-sealer.ts'
