/**
 * KeyPackages this device handed to a contact for a group, kept (in the store's GroupDeviceRecord)
 * until that group's invitation arrives: the invitation can only be opened with the KeyPackage's
 * private keys, and it may arrive after a restart.
 */
import { keyPackageSecrets, restoreKeyPackage } from '../../groups/mls-state.ts'
import type { KeyPackageBundle } from '../../groups/mls.ts'
import type { GroupDeviceRecord } from '../../store/records.ts'
import type { GroupStore } from './group-records.ts'

/** Offers kept at most, from all contacts. */
const MAX_OFFERS = 64
/**
 * Offers kept for one contact (review rg-4): a further request replaces that contact's own oldest
 * offer, so one contact's requests never push out the offer another contact's invitation needs.
 */
const MAX_OFFERS_PER_CONTACT = 8

/** The contact an offer key (`contact/group`) was made for; group ids are hex, without '/'. */
function contactOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/'))
}

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
    this.makeRoom(contactOf(key))
    this.offered.set(key, { bundle, at: this.now() })
    await this.persist()
    return bundle
  }

  async drop(key: string): Promise<void> {
    if (this.offered.delete(key)) await this.persist()
  }

  /**
   * Frees a slot for a new offer to `contact`: its own oldest if it is at its budget; else, when
   * all slots are taken, the oldest of the contact holding the most (an invitation that never
   * came), never the offer of a contact holding fewer.
   */
  private makeRoom(contact: string): void {
    const counts = new Map<string, number>()
    for (const key of this.offered.keys()) {
      const c = contactOf(key)
      counts.set(c, (counts.get(c) ?? 0) + 1)
    }
    let victim: string | undefined
    if ((counts.get(contact) ?? 0) >= MAX_OFFERS_PER_CONTACT) victim = contact
    else if (this.offered.size >= MAX_OFFERS) {
      victim = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0]
    }
    if (victim === undefined) return
    for (const key of this.offered.keys()) {
      if (contactOf(key) === victim) {
        this.offered.delete(key) // Map order is insertion order: this is its oldest
        return
      }
    }
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
