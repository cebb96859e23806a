/**
 * A device rename on the primary that meets its background key renewal (issue 19, ADR 0786) is
 * not lost, with real messengers over a real relay and one injected clock: the rename reads our
 * device list, the renewal (45 days on, the primary's prekeys are due) is started right then —
 * before the rename publishes — and both end up in the list: the rename answers with the new name,
 * the renewal builds on the renamed list, and Ben holds that list with the new name. Before both took the
 * list lock, the renewal published first and the rename failed 'a newer device list was
 * published meanwhile'.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import type { MessengerContext } from '@hestia/core/messenger/context.ts'
import { renameDevice } from '@hestia/core/messenger/devices/manage.ts'
import { OWN_LIST_LOCK, renewPrimaryKeys } from '@hestia/core/messenger/devices/primary-keys.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'
import {
  PREKEYS_DUE_MS,
  primaryExpiry,
  startRenewalTrio,
  type RenewalTrio,
} from './support/renewal-trio.ts'

describe('a device rename meeting the background key renewal', () => {
  let trio: RenewalTrio
  let a1: TestPeer
  let a2: TestPeer

  before(async () => {
    trio = await startRenewalTrio()
    ;({ a1, a2 } = trio)
  })

  after(async () => {
    await trio?.stop()
    releaseWebRTC()
  })

  /**
   * A1's context for the rename alone: its first store transaction (the publish, after the list
   * was read and the new one signed) first starts the renewal, and waits for it unless the list
   * lock is held then (by the rename itself: the renewal then waits for the rename).
   */
  function renameFirstReadsThenRenewalRuns(ctx: MessengerContext) {
    let renewal: Promise<unknown> | undefined
    const store = new Proxy(ctx.store, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key)
        if (key !== 'transaction' || typeof value !== 'function') {
          return typeof value === 'function'
            ? ((value as () => unknown).bind(target) as unknown)
            : value
        }
        return async (...args: unknown[]) => {
          if (renewal === undefined) {
            const locked = ctx.locks.held(OWN_LIST_LOCK)
            trio.advance(PREKEYS_DUE_MS)
            renewal = renewPrimaryKeys(ctx, { listToCheck: false }, () => undefined)
            if (!locked) await renewal.catch(() => undefined)
          }
          return Reflect.apply(value, target, args) as unknown
        }
      },
    })
    const proxied = new Proxy(ctx, {
      get: (target, key): unknown => (key === 'store' ? store : Reflect.get(target, key)),
    })
    return { ctx: proxied, renewal: () => renewal }
  }

  test('the rename answers with its name and the renewal builds on it', async () => {
    const before = await trio.ownList()
    const oldExpiry = primaryExpiry(before)
    const laptop = a2.service.node!.peerId.toString()
    const parts = a1.service.messenger!.parts
    const hooked = renameFirstReadsThenRenewalRuns(parts.ctx)
    const deps = { ctx: hooked.ctx, kickOutbox: () => parts.kickOutbox(), own: parts.own }
    const view = await renameDevice(deps, laptop, 'Work laptop')
    assert.equal(view.devices.find((d) => d.deviceId === laptop)?.name, 'Work laptop')
    assert.notEqual(hooked.renewal(), undefined, 'the renewal ran during the rename')
    await hooked.renewal()
    const after = await trio.ownList()
    assert.ok(view.listVersion > before.listVersion, 'the rename published a list')
    assert.ok(after.listVersion > view.listVersion, 'the renewal published one on top of it')
    const named = after.devices.find((d) => d.name === 'Work laptop')
    assert.ok(named !== undefined, 'the renewed list keeps the rename')
    assert.ok(primaryExpiry(after) > oldExpiry + 40 * DAY_MS, 'and carries the renewed prekeys')
    await waitUntil('Ben holds the renewed list with the new name', async () => {
      const held = await trio.heldByBen()
      return (
        held?.listVersion === after.listVersion &&
        held.devices.some((d) => d.name === 'Work laptop')
      )
    })
  })
})
