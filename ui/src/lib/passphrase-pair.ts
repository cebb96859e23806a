// A new passphrase typed twice (backup, device lock, first run, restore): one rule for when it
// is too short, when the two differ, and when the pair may be submitted, so every screen that
// asks for one refuses the same things.

export interface PassphrasePair {
  /** Typed, but shorter than the minimum. */
  readonly tooShort: boolean
  /** The repeat is typed and differs from the passphrase. */
  readonly mismatch: boolean
  /**
   * The form may go on: a long-enough passphrase typed twice the same, or, when `optional`,
   * nothing typed at all (the user skips it).
   */
  readonly ready: boolean
}

export function checkPassphrasePair(
  value: string,
  repeat: string,
  minChars: number,
  optional: boolean,
): PassphrasePair {
  const tooShort = value !== '' && value.length < minChars
  const mismatch = repeat !== '' && repeat !== value
  const confirmed = value !== '' && !tooShort && repeat === value
  return { tooShort, mismatch, ready: confirmed || (optional && value === '') }
}
