/** Client API area "settings": read, patch, add and remove relays (domain: ../settings.ts). */
import { ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerSettings } from '../settings.ts'
import type { Running } from './running.ts'

export function settingsHandlers(
  running: Running<{ settings: MessengerSettings }>,
): HandlersFor<'settings.get' | 'settings.update' | 'settings.addRelay' | 'settings.removeRelay'> {
  const settings = async () => (await running()).settings
  return {
    'settings.get': async () => ok((await settings()).current),
    'settings.update': async (r) => (await settings()).update(r.patch),
    'settings.addRelay': async (r) => (await settings()).addRelay(r.address),
    'settings.removeRelay': async (r) => (await settings()).removeRelay(r.address),
  }
}
