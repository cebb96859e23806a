/**
 * Client API area "identity": the only requests served before a node runs. Creating the
 * identity stores it and starts the node for it (the service's lifecycle), then tells every page.
 */
import {
  fail,
  ok,
  type ClientEvent,
  type IdentityRole,
  type IdentityStatus,
} from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import type { IdentityRecord } from '../../store/records.ts'
import type { MessengerStore } from '../../store/store.ts'
import { cleanDisplayName } from '../../text/clean.ts'
import { createLocalIdentity, identityFingerprint } from '../identity.ts'
import { decodeSecrets } from '../secrets.ts'

export interface IdentityParts {
  store(): Promise<MessengerStore>
  platform: CryptoPlatform
  /** Builds and starts the node for the identity just stored. */
  startNode(): Promise<void>
  emit(event: ClientEvent): void
}

export async function identityStatus(store: MessengerStore): Promise<IdentityStatus> {
  const rec = await store.getIdentity()
  if (rec === undefined) return { state: 'none' }
  return {
    state: 'ready',
    displayName: rec.displayName,
    fingerprint: identityFingerprint(rec.identityPublicKey),
    createdAt: rec.createdAt,
    ...replacedField(rec),
  }
}

function replacedField(rec: IdentityRecord): {
  replaced?: { at: number; byDeviceId: string }
  role: IdentityRole
} {
  const secrets = decodeSecrets(rec.secretKeys)
  const role = secrets.companion === true ? 'companion' : 'primary'
  return secrets.replaced === undefined ? { role } : { replaced: { ...secrets.replaced }, role }
}

export function identityHandlers(
  p: IdentityParts,
): HandlersFor<'identity.status' | 'identity.create'> {
  return {
    'identity.status': async () => ok(await identityStatus(await p.store())),
    'identity.create': async (r) => {
      const store = await p.store()
      if ((await store.getIdentity()) !== undefined) {
        return fail('identity_exists', 'an identity exists on this device')
      }
      // Cleaned as contacts' names are: what we send in hellos is what they will show.
      const name = cleanDisplayName(r.displayName)
      if (name.length === 0) {
        return fail('invalid_request', 'a display name needs at least one visible character')
      }
      const { record } = await createLocalIdentity(p.platform, name)
      await store.putIdentity(record)
      await p.startNode()
      const status = await identityStatus(store)
      p.emit({ type: 'identity.changed', identity: status })
      return ok(status)
    },
  }
}
