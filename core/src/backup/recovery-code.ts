/**
 * Recovery codes: a generated alternative to a backup passphrase, shown once. 30 decimal digits
 * in six groups of five (about 99.7 bits), like Signal's backup passphrase: easy to write down and
 * to type on any keyboard. Used as the backup passphrase in its normalised form (digits only).
 */
import type { RandomSource } from '../crypto/platform.ts'

export const RECOVERY_CODE_DIGITS = 30
const GROUP = 5

/** A uniformly random code, grouped for display ("12345 67890 ..."). */
export function generateRecoveryCode(random: RandomSource): string {
  const digits: number[] = []
  while (digits.length < RECOVERY_CODE_DIGITS) {
    for (const byte of random(RECOVERY_CODE_DIGITS)) {
      // Rejection sampling: 250 is the largest multiple of 10 below 256, so every digit is equally likely.
      if (byte < 250 && digits.length < RECOVERY_CODE_DIGITS) digits.push(byte % 10)
    }
  }
  const groups: string[] = []
  for (let i = 0; i < RECOVERY_CODE_DIGITS; i += GROUP)
    groups.push(digits.slice(i, i + GROUP).join(''))
  return groups.join(' ')
}

/**
 * The code as typed back (spaces, dashes and line breaks ignored) → the passphrase string, or
 * null if it is not 30 digits.
 */
export function normaliseRecoveryCode(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '')
  return /^[0-9]{30}$/.test(digits) ? digits : null
}
