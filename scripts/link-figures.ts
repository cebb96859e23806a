/**
 * How the mailbox-link measurements (ADR 0754) report times to the first answer, so the Node and
 * the Chromium figures read alike: the upper median and the maximum, in ms with one decimal.
 */
export function medianAndMax(ms: readonly number[]): { median: string; max: string } {
  if (ms.length === 0) throw new Error('no times measured')
  const sorted = [...ms].sort((a, b) => a - b)
  return {
    median: sorted[Math.floor(sorted.length / 2)]!.toFixed(1),
    max: sorted[sorted.length - 1]!.toFixed(1),
  }
}
