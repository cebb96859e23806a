// Where the host keeps the unlocked data key so a restart of its document does not ask for the
// passphrase again (ADR 0523). Never the passphrase; never storage.local or IndexedDB.
//   memorySessionKeys   Firefox's persistent background page: it lives as long as the browser,
//                       so memory is the session (and is gone when the browser exits).
//   relayedSessionKeys  Chrome's offscreen document has no chrome.storage: it asks the service
//                       worker, which keeps the key in chrome.storage.session (memory only,
//                       cleared when the browser exits, not readable by content scripts).

import { fromBase64Url, toBase64Url } from '@hestia/core/crypto/bytes.ts'

export interface SessionKeys {
  read(): Promise<Uint8Array | null>
  write(dataKey: Uint8Array): Promise<void>
  remove(): Promise<void>
}

/** Asks the background over host control (session.key.*); `request` is a HostClient's. */
export function relayedSessionKeys(relay: {
  get(): Promise<string | null>
  put(key: string): Promise<void>
  remove(): Promise<void>
}): SessionKeys {
  return {
    read: async () => {
      const key = await relay.get()
      return key === null ? null : fromBase64Url(key)
    },
    write: (dataKey) => relay.put(toBase64Url(dataKey)),
    remove: () => relay.remove(),
  }
}

export function memorySessionKeys(): SessionKeys {
  let kept: Uint8Array | null = null
  return {
    read: () => Promise.resolve(kept === null ? null : Uint8Array.from(kept)),
    write: (dataKey) => {
      kept?.fill(0)
      kept = Uint8Array.from(dataKey)
      return Promise.resolve()
    },
    remove: () => {
      kept?.fill(0)
      kept = null
      return Promise.resolve()
    },
  }
}
