/**
 * KeyPackages this device handed to a contact for a group, kept (in the store's GroupDeviceRecord)
 * until that group's invitation arrives: the invitation can only be opened with the KeyPackage's
 * private keys, and it may arrive after a restart.
 */
import { keyPackageSecrets, restoreKeyPackage } from '../../groups/mls-state.ts'
import type { KeyPackageBundle } from '../../groups/mls.ts'
import type { GroupDeviceRecord } from '../../store/records.ts'
import type { GroupStore } from './group-records.ts'

/** Offers kept at most; the oldest goes first (an invitation that never came). */
const MAX_OFFERS = 64

export class GroupOffers {
  private readonly offered = new Map<string, { bundle: KeyPackageBundle; at: number }>()
  private readonly store: GroupStore
  private readonly signingSecret: Uint8Array
  private readonly now: () => number

  constructor(store: GroupStore, signingSecret: Uint8Array, now: () => number) {
    this.store = store
    this.signingSecret = signingSecret
    this.now = now
  }

  async load(): Promise<void> {
    const device = await this.store.getGroupDevice()
    for (const o of device?.offers ?? []) {
      const bundle = restoreKeyPackage(o.keyPackage, o, this.signingSecret)
      this.offered.set(o.key, { bundle, at: o.offeredAt })
    }
  }

  get(key: string): KeyPackageBundle | undefined {
    return this.offered.get(key)?.bundle
  }

  /** The KeyPackage offered under `key` before, or a new one (stored before it is handed out). */
  async offer(key: string, make: () => Promise<KeyPackageBundle>): Promise<KeyPackageBundle> {
    const known = this.offered.get(key)
    if (known !== undefined) return known.bundle
    const bundle = await make()
    this.offered.set(key, { bundle, at: this.now() })
    while (this.offered.size > MAX_OFFERS) this.offered.delete(this.offered.keys().next().value!)
    await this.persist()
    return bundle
  }

  async drop(key: string): Promise<void> {
    if (this.offered.delete(key)) await this.persist()
  }

  private async persist(): Promise<void> {
    const device = await this.store.getGroupDevice()
    if (device === undefined) return // no device record: the caller runs without one (tests)
    const offers: GroupDeviceRecord['offers'] = [...this.offered].map(([key, o]) => ({
      key,
      keyPackage: o.bundle.bytes,
      ...keyPackageSecrets(o.bundle),
      offeredAt: o.at,
    }))
    await this.store.putGroupDevice({ ...device, offers })
  }
}
