/**
 * A device replaced by a restore elsewhere (ADR 0524) starts nothing new with anyone: its contacts
 * dropped its sessions, so what it sent would be lost without a word, and a contact or invite made
 * here would be known to this device only (a split the restored device never learns of). Reading,
 * settings, the vault and erasing stay available.
 */
import { ClientApiError } from '../../client/api.ts'
import type { ClientHandlers } from '../../client/dispatch.ts'
import type { MessengerStore } from '../../store/store.ts'
import { decodeSecrets } from '../secrets.ts'

/** What a replaced device refuses with `device_replaced`. */
export const REFUSED_WHEN_REPLACED = [
  'messages.send',
  'messages.retry',
  'transfer.offer',
  'call.start',
  'call.accept',
  'invite.mine',
  'invite.renew',
  'invite.accept',
] as const satisfies readonly (keyof ClientHandlers)[]

export async function refuseIfReplaced(store: MessengerStore): Promise<void> {
  const identity = await store.getIdentity()
  if (identity !== undefined && decodeSecrets(identity.secretKeys).replaced !== undefined)
    throw new ClientApiError('device_replaced', 'this device was replaced by a restored backup')
}

/**
 * Refused by the handler itself, inside the transaction that does the work: `messages.send`
 * (messages.ts), where the check's own transaction was one more wait before the message shows
 * (ADR 0441).
 */
export const CHECKED_IN_THE_HANDLER: readonly (typeof REFUSED_WHEN_REPLACED)[number][] = [
  'messages.send',
]

/** `handlers` with the REFUSED_WHEN_REPLACED ones checking first (but CHECKED_IN_THE_HANDLER). */
export function refuseWhenReplaced(
  store: () => Promise<MessengerStore>,
  handlers: ClientHandlers,
): ClientHandlers {
  const out: Record<string, unknown> = { ...handlers }
  for (const type of REFUSED_WHEN_REPLACED) {
    if (CHECKED_IN_THE_HANDLER.includes(type)) continue
    const handler = handlers[type] as (request: never) => Promise<unknown>
    out[type] = async (request: never) => {
      await refuseIfReplaced(await store())
      return handler(request)
    }
  }
  return out as unknown as ClientHandlers
}
