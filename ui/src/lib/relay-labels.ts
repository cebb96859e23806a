// Names the user gives relays ("Home server", "Club relay"), shown in Settings instead of host and
// port (issue 23). A display preference of this browser profile, like the theme: kept in the
// page's localStorage, never sent to the node or to contacts.

const STORAGE_KEY = 'hestia.relayLabels'
/** Long enough for a name, short enough for a row. */
export const RELAY_LABEL_MAX_CHARS = 40

function read(): Record<string, string> {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY)
    const parsed: unknown = raw == null ? {} : JSON.parse(raw)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
    const labels: Record<string, string> = {}
    for (const [address, label] of Object.entries(parsed))
      if (typeof label === 'string' && label.trim() !== '')
        labels[address] = label.trim().slice(0, RELAY_LABEL_MAX_CHARS)
    return labels
  } catch {
    return {}
  }
}

export function loadRelayLabels(): Record<string, string> {
  return read()
}

/** Sets (or, with an empty label, clears) the label of one relay; returns all labels. */
export function saveRelayLabel(address: string, label: string): Record<string, string> {
  const labels = read()
  const clean = label.trim()
  if (clean === '') delete labels[address]
  else labels[address] = clean
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(labels))
  } catch {
    // Storage refused: the label lasts for this page only.
  }
  return labels
}
