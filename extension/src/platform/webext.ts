// The narrow slice of the WebExtension API that Hestia uses, typed once.
// Firefox exposes it as promise-based `browser.*`; Chrome MV3 as promise-based `chrome.*`.
// Adapters take a `WebExt` so tests can hand in a fake.

export interface MessageSender {
  readonly id?: string
  readonly url?: string
  readonly tab?: unknown
}

export type SendResponse = (response: unknown) => void
/** Return `true` to answer asynchronously through `sendResponse`; anything else declines. */
export type MessageListener = (
  message: unknown,
  sender: MessageSender,
  sendResponse: SendResponse,
) => boolean | undefined

export interface ExtensionContext {
  readonly contextType: string
  readonly documentUrl?: string
}

/** A long-lived runtime port (`chrome.runtime.Port` / `browser.runtime.Port`). */
export interface WebExtPort {
  readonly name: string
  readonly sender?: MessageSender
  postMessage(message: unknown): void
  disconnect(): void
  readonly onMessage: {
    addListener(listener: (message: unknown) => void): void
    removeListener(listener: (message: unknown) => void): void
  }
  readonly onDisconnect: {
    addListener(listener: () => void): void
    removeListener(listener: () => void): void
  }
}

export interface WebExtRuntime {
  readonly id: string
  getURL(path: string): string
  sendMessage(message: unknown): Promise<unknown>
  connect(connectInfo: { name: string }): WebExtPort
  readonly onConnect: {
    addListener(listener: (port: WebExtPort) => void): void
    removeListener(listener: (port: WebExtPort) => void): void
  }
  readonly onMessage: {
    addListener(listener: MessageListener): void
    removeListener(listener: MessageListener): void
  }
  /** Icons as built (Plasmo hashes the file names). */
  getManifest?(): { icons?: Record<string, string> }
  readonly onInstalled: { addListener(listener: () => void): void }
  readonly onStartup: { addListener(listener: () => void): void }
  /** Chrome 116+. */
  getContexts?(filter: {
    contextTypes: string[]
    documentUrls?: string[]
  }): Promise<ExtensionContext[]>
}

export interface WebExtOffscreen {
  createDocument(parameters: {
    url: string
    reasons: string[]
    justification: string
  }): Promise<void>
  closeDocument(): Promise<void>
}

export interface WebExtTabs {
  create(properties: { url: string; active?: boolean }): Promise<unknown>
}

/** Chrome and Firefox both take `basic` notifications with an icon, title and message. */
export interface WebExtNotifications {
  create(
    id: string,
    options: { type: 'basic'; iconUrl: string; title: string; message: string },
  ): Promise<string>
  readonly onClicked: { addListener(listener: (id: string) => void): void }
  clear(id: string): Promise<boolean>
}

/** The slice of `downloads` used to save received files (not in Chrome's offscreen documents). */
export interface WebExtDownloads {
  download(options: {
    url: string
    filename: string
    conflictAction: 'uniquify'
    saveAs: boolean
  }): Promise<number>
  search(query: { id: number }): Promise<{ state: string; error?: string }[]>
}

export interface WebExt {
  readonly runtime: WebExtRuntime
  readonly tabs?: WebExtTabs
  readonly offscreen?: WebExtOffscreen
  /** Not in Chrome's offscreen documents (only `runtime` is): they ask the worker instead. */
  readonly notifications?: WebExtNotifications
  /** Likewise only in the background (Chrome) or the background page (Firefox). */
  readonly downloads?: WebExtDownloads
  /** storage.session (memory only, cleared when the browser exits): the unlocked data key. */
  readonly storage?: { readonly session?: WebExtStorageArea }
}

/** The slice of a `storage` area used to keep the unlocked data key (ADR 0523). */
export interface WebExtStorageArea {
  get(key: string): Promise<Record<string, unknown>>
  set(items: Record<string, unknown>): Promise<void>
  remove(key: string): Promise<void>
}

/** `browser` where it exists (Firefox; its `chrome` is callback-only in MV2), else `chrome`. */
export function webExt(): WebExt {
  const scope = globalThis as { browser?: WebExt; chrome?: WebExt }
  const api = scope.browser ?? scope.chrome
  if (api?.runtime?.id === undefined) {
    throw new Error('No WebExtension API here: this module runs only inside the extension.')
  }
  return api
}
