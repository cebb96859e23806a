// Length limits said before they bite (issue 23): fields never cut what the user typed or pasted;
// they say how much is too much and refuse to submit until it fits.

/** The sentence under a field whose text is over `max` characters, or null while it fits. */
export function overLimitText(length: number, max: number, what: string): string | null {
  if (length <= max) return null
  return `${what} can be at most ${max.toLocaleString('en')} characters; this one has ${length.toLocaleString('en')}. Nothing was cut: shorten it, or check that you copied only what you meant to.`
}

/** The composer counts down from this many characters left. */
export const COUNTDOWN_FROM = 500
