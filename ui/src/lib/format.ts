// Formatting of times, sizes and texts for display. Pure functions: the component tests use them
// to compute what they expect, and the locale is the user's unless a test pins one.

const DAY_MS = 86_400_000

/** The ECMAScript Date range: beyond it `new Date()` is Invalid and Intl.format throws. */
const MAX_DATE_MS = 8.64e15

/**
 * A time every Date and Intl call accepts. The node clamps peers' times already; this keeps one
 * bad value from throwing inside a component and blanking the list or the chat.
 */
export function displayableTime(time: number): number {
  return Number.isFinite(time) ? Math.min(Math.max(time, -MAX_DATE_MS), MAX_DATE_MS) : 0
}

/** ISO 8601 for a <time datetime>, never throwing. */
export function isoTime(time: number): string {
  return new Date(displayableTime(time)).toISOString()
}

function startOfDay(time: number): number {
  const date = new Date(displayableTime(time))
  date.setHours(0, 0, 0, 0)
  return date.getTime()
}

/** Local calendar day of a timestamp, e.g. "2026-11-23" (day separators group by it). */
export function dayKey(time: number): string {
  const date = new Date(displayableTime(time))
  const month = String(date.getMonth() + 1).padStart(2, '0')
  const day = String(date.getDate()).padStart(2, '0')
  return `${date.getFullYear()}-${month}-${day}`
}

/**
 * One Intl.DateTimeFormat per locale and options: creating one costs far more than formatting
 * with it (the conversation list formats a time per row on the popup's first paint).
 */
const formatters = new Map<string, Intl.DateTimeFormat>()
function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions) {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`
  let format = formatters.get(key)
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, options)
    formatters.set(key, format)
  }
  return format
}

function daysBetween(earlier: number, later: number): number {
  return Math.round((startOfDay(later) - startOfDay(earlier)) / DAY_MS)
}

/** Clock time, e.g. "14:05" (or "2:05 PM" in a 12-hour locale). */
export function clockTime(time: number, locale?: string): string {
  return dateFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(displayableTime(time))
}

/** Time for the conversation list: clock today, "Yesterday", weekday this week, else a date. */
export function listTime(time: number, now: number, locale?: string): string {
  const days = daysBetween(time, now)
  if (days <= 0) return clockTime(time, locale)
  if (days === 1) return 'Yesterday'
  if (days < 7) return dateFormat(locale, { weekday: 'short' }).format(displayableTime(time))
  const sameYear =
    new Date(displayableTime(time)).getFullYear() === new Date(displayableTime(now)).getFullYear()
  return dateFormat(locale, {
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(displayableTime(time))
}

/** Label of a day separator: "Today", "Yesterday", or a full date. */
export function dayLabel(time: number, now: number, locale?: string): string {
  const days = daysBetween(time, now)
  if (days === 0) return 'Today'
  if (days === 1) return 'Yesterday'
  const sameYear =
    new Date(displayableTime(time)).getFullYear() === new Date(displayableTime(now)).getFullYear()
  return dateFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(displayableTime(time))
}

/** A full date and time, for tooltips and the contact page. */
export function fullDateTime(time: number, locale?: string): string {
  return dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(
    displayableTime(time),
  )
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** Bytes in decimal units with one decimal from MB up: "2.5 MB", "1.6 GB". */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  const digits = unit >= 2 && value < 100 ? 1 : 0
  return `${value.toFixed(digits)} ${UNITS[unit] ?? 'B'}`
}

/** Seconds left as "41 s", "3 min", "1 h 5 min". */
export function formatEta(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** Call length as "4:07" or "1:02:03". */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

export interface TextSegment {
  kind: 'text' | 'link'
  value: string
}

// Deliberately simple: only http(s) addresses become links, and a link opens only after the user
// confirms the full address (never fetched or previewed), so a wrong split only changes what the
// confirmation shows. Other schemes (javascript:, data:, file:, hestia:) and bare "www." stay text.
const LINK = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi

/**
 * The address a link segment opens: the parsed, normalised URL (an internationalised host shows in
 * its punycode form, so look-alike letters cannot hide the real host), or null when it is not an
 * http(s) URL with a host.
 */
export function linkTarget(value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return null
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null
  return url.href
}

export function splitLinks(text: string): TextSegment[] {
  const segments: TextSegment[] = []
  let last = 0
  for (const match of text.matchAll(LINK)) {
    const index = match.index
    if (index > last) segments.push({ kind: 'text', value: text.slice(last, index) })
    segments.push({ kind: 'link', value: match[0] })
    last = index + match[0].length
  }
  if (last < text.length) segments.push({ kind: 'text', value: text.slice(last) })
  return segments
}

/** Up to two initials for an avatar. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]]
  return letters
    .map((word) => [...(word ?? '')][0] ?? '')
    .join('')
    .toLocaleUpperCase()
}

/** A stable hue (0–359) for a contact's avatar, from its id. */
export function hueOf(id: string): number {
  let hash = 0
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) >>> 0
  return hash % 360
}
