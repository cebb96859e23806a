// System notifications for new messages. The messenger decides the title: "New message", or
// "New message from <name>" only when the user turned names on; message text is never shown
// (issue 5, the seed's push-notification rule). The body below is fixed text for the same reason.
//
// Chrome's offscreen document has only `chrome.runtime`, so there the host asks the service
// worker (`notification.show`); Firefox's background page shows them itself.

import type { MessengerNotifier } from '@hestia/core/messenger/context.ts'
import type { WebExt } from '../platform/webext.ts'

/** The body of every notification: fixed, never message text. */
export const NOTIFICATION_BODY = 'Open Hestia to read it.'
const idPrefix = 'hestia-conversation:'

function iconUrl(api: WebExt): string {
  const icons = api.runtime.getManifest?.().icons ?? {}
  const path = icons['128'] ?? icons['64'] ?? Object.values(icons)[0] ?? 'icon128.png'
  return api.runtime.getURL(path)
}

/** Shows one notification per conversation (a newer one replaces the older). */
export function showNotification(
  api: WebExt,
  title: string,
  conversationId: string,
): Promise<void> {
  const notifications = api.notifications
  if (notifications === undefined) {
    return Promise.reject(new Error('No notifications API in this context: ask the background.'))
  }
  return notifications
    .create(`${idPrefix}${conversationId}`, {
      type: 'basic',
      iconUrl: iconUrl(api),
      title,
      message: NOTIFICATION_BODY,
    })
    .then(() => undefined)
}

/** A click opens the messenger in a tab (the popup cannot be opened from here). */
export function openTabOnNotificationClick(api: WebExt): void {
  const notifications = api.notifications
  if (notifications === undefined || api.tabs === undefined) return
  const tabs = api.tabs
  notifications.onClicked.addListener((id) => {
    if (!id.startsWith(idPrefix)) return
    void notifications.clear(id).catch(() => false)
    void tabs.create({ url: api.runtime.getURL('popup.html?layout=tab') }).catch(() => undefined)
  })
}

/** For a host that has the notifications API itself (Firefox's background page). */
export function directNotifier(api: WebExt, log: (error: unknown) => void): MessengerNotifier {
  return ({ title, conversationId }) => {
    showNotification(api, title, conversationId).catch(log)
  }
}

/** For a host without it (Chrome's offscreen document): the background shows it. */
export function relayedNotifier(
  ask: (title: string, conversationId: string) => Promise<unknown>,
  log: (error: unknown) => void,
): MessengerNotifier {
  return ({ title, conversationId }) => {
    ask(title, conversationId).catch(log)
  }
}
