/**
 * Files and several devices (issue 19, ADR 0766): the look-ups the messenger's file side needs —
 * whether the contact of a conversation has more than one listed device (then the sender names
 * the device whose accept it took to all of them), and the name of one of our own devices (shown
 * on the others: "Received on Ada on Firefox").
 */
import { heldContactList } from './devices/contact-list.ts'
import { currentOwnList } from './devices/own-devices.ts'
import type { MessengerContext } from './context.ts'
import { deviceIdOf } from './net.ts'

export async function contactHasSeveralDevices(
  ctx: MessengerContext,
  conversationId: string,
): Promise<boolean> {
  const conv = await ctx.store.getConversation(conversationId)
  const contact = conv && (await ctx.store.getContact(conv.contactId))
  return contact !== undefined && (heldContactList(contact)?.devices.length ?? 0) > 1
}

/** The name our device list gives `deviceId`; a generic phrase for a device it does not name. */
export async function ourDeviceName(ctx: MessengerContext, deviceId: string): Promise<string> {
  try {
    const list = await currentOwnList(ctx)
    const found = list.devices.find((d) => deviceIdOf(d.peerId) === deviceId)
    if (found !== undefined) return found.name
  } catch (err) {
    ctx.log('files: our device list could not be read', err)
  }
  return 'another device'
}
