// What a user does to an idle extension between two heap readings (the idle bench's heap growth,
// issue #24): opens the popup a few times, then chats with one contact, both directions, until
// every message is through (the contact shows the browser's messages, the browser's receipts mark
// the contact's messages delivered). Shared by tests/bench/suites/idle.ts and the heap probe
// (tests/bench/tools/idle-heap-probe.ts).

import type { BrowserContext } from 'playwright-core'
import { openClientPage, REQUEST_WAIT_MS } from './extension-pair.ts'
import type { ChromiumProfile } from '../../browser/support/messenger-browser.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'
import type { TestPeer } from '../../integration/support/messenger-harness.ts'

const DELIVERY_WAIT_MS = 20_000
const CHAT_WAIT_MS = 60_000

export interface IdleContact {
  peer: TestPeer
  /** The contact's conversation with the browser. */
  conversationId: string
}

export function hasDirect(peer: TestPeer): boolean {
  return (
    peer.service.node?.getConnections().some((c) => c.remoteAddr.toString().includes('/webrtc')) ??
    false
  )
}

/** The contact sends until a message goes direct (its session confirmed, a WebRTC connection up). */
export async function sendUntilDirect(
  peer: TestPeer,
  conversationId: string,
  label: string,
): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const { message } = await peer.must({
      type: 'messages.send',
      conversationId,
      text: `${label} ${attempt}`,
    })
    await waitUntil(
      `${peer.name} recording its send`,
      () => peer.sent.some((s) => s.messageId === message.messageId),
      DELIVERY_WAIT_MS,
    )
    if (
      peer.sent.find((s) => s.messageId === message.messageId)?.route === 'direct' &&
      hasDirect(peer)
    )
      return
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`${peer.name}: no direct connection to the browser after 30 messages`)
}

/** `popupOpens` popup opens (load, 0.5 s, close), then a chat of `chatMessages` with `contact`. */
export async function popupsAndChat(
  profile: ChromiumProfile,
  contact: IdleContact,
  popupOpens: number,
  chatMessages: number,
  label: string,
): Promise<void> {
  const context: BrowserContext = profile.context!
  for (let i = 0; i < popupOpens; i++) {
    const popup = await context.newPage()
    await popup.goto(profile.url('popup.html'), { timeout: REQUEST_WAIT_MS })
    await popup.waitForLoadState('load')
    await new Promise((r) => setTimeout(r, 500))
    await popup.close()
  }
  const page = await openClientPage(profile)
  const conversations = (await page.must({ type: 'conversations.list', query: null })).conversations
  const mine = conversations.find((c) => c.contact.displayName === contact.peer.name)
  if (mine === undefined)
    throw new Error(`the browser has no conversation with ${contact.peer.name}`)
  const fromContact: string[] = []
  const toContact: string[] = []
  for (let i = 0; i < chatMessages / 2; i++) {
    const sent = await contact.peer.must({
      type: 'messages.send',
      conversationId: contact.conversationId,
      text: `${label} in ${i}`,
    })
    fromContact.push(sent.message.messageId)
    const out = await page.must({
      type: 'messages.send',
      conversationId: mine.conversationId,
      text: `${label} out ${i}`,
    })
    toContact.push(out.message.messageId)
  }
  const delivered = new Set<string>()
  await waitUntil(
    `the ${label} delivered both ways`,
    () => {
      for (const e of contact.peer.events)
        if (e.type === 'message.updated' && e.message.delivery === 'delivered')
          delivered.add(e.message.messageId)
      return (
        toContact.every((id) => contact.peer.addedAt.has(id)) &&
        fromContact.every((id) => delivered.has(id))
      )
    },
    CHAT_WAIT_MS,
    200,
  )
  await page.page.close()
  await new Promise((r) => setTimeout(r, 500))
}
