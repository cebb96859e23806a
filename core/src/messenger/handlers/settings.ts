/** Client API area "settings": read, patch, add and remove relays (domain: ../settings.ts). */
import { ClientApiError, ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerSettings } from '../settings.ts'
import type { SettingsBeforeIdentity } from '../settings-before-identity.ts'
import type { Running } from './running.ts'

export function settingsHandlers(
  running: Running<{ settings: MessengerSettings }>,
  beforeIdentity: SettingsBeforeIdentity | null = null,
): HandlersFor<'settings.get' | 'settings.update' | 'settings.addRelay' | 'settings.removeRelay'> {
  const settings = async () => (await running()).settings
  return {
    'settings.get': async () => ok((await settings()).current),
    'settings.update': async (r) => (await settings()).update(r.patch),
    'settings.addRelay': async (r) => {
      try {
        return await (await settings()).addRelay(r.address)
      } catch (err) {
        // A new install linking to an existing identity needs a relay before it has an identity.
        const noIdentity = err instanceof ClientApiError && err.code === 'no_identity'
        if (noIdentity && beforeIdentity !== null) return beforeIdentity.addRelay(r.address)
        throw err
      }
    },
    'settings.removeRelay': async (r) => (await settings()).removeRelay(r.address),
  }
}
