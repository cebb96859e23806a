/**
 * Client API area "devices" (issue 19, ADR 0760, docs/protocol/devices.md): this identity's
 * devices, linking one from the primary, renaming and removing. Served by the running messenger
 * (domain: ../devices/own-devices.ts, manage.ts, primary-links.ts). `devices.linkStart` — the new
 * install's side — runs before there is an identity and is served by the service (linkStart
 * below answers `unsupported` when the host gave no way to start a linking node).
 */
import { ClientApiError, ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerContext } from '../context.ts'
import { logoutOthers, published, removeOwnDevice, renameDevice } from '../devices/manage.ts'
import { currentOwnList, devicesView } from '../devices/own-devices.ts'
import { PrimaryLinks } from '../devices/primary-links.ts'
import type { Running } from './running.ts'

type DevicesRequestType =
  | 'devices.list'
  | 'devices.linkStart'
  | 'devices.linkAccept'
  | 'devices.linkConfirm'
  | 'devices.linkCancel'
  | 'devices.rename'
  | 'devices.remove'
  | 'devices.logoutOthers'

export interface DevicesParts {
  ctx: MessengerContext
  kickOutbox(): void
}

/** The new install's side of a link (the service's NewDeviceLinks), when the host has one. */
export type LinkStartHandler = HandlersFor<
  'devices.linkStart' | 'devices.linkConfirm' | 'devices.linkCancel'
>

export function devicesHandlers(
  running: Running<DevicesParts>,
  newDevice: LinkStartHandler | null = null,
): HandlersFor<DevicesRequestType> {
  // One set of link attempts per running messenger (a restart starts with none).
  const links = new WeakMap<MessengerContext, PrimaryLinks>()
  const deps = async () => {
    const parts = await running()
    let primary = links.get(parts.ctx)
    if (primary === undefined) {
      primary = new PrimaryLinks({
        ctx: parts.ctx,
        linked: async (list) => {
          await published(parts, list)
        },
      })
      links.set(parts.ctx, primary)
    }
    return { parts, primary }
  }
  /** A link id the primary does not know may be the new device's own attempt. */
  const settle = async (
    linkId: string,
    onPrimary: (p: PrimaryLinks) => ReturnType<PrimaryLinks['confirm']>,
    onNew: () => ReturnType<LinkStartHandler['devices.linkConfirm']> | null,
  ) => {
    if (newDevice !== null && linkId.startsWith('nl-')) {
      const answer = onNew()
      if (answer !== null) return answer
    }
    return ok(onPrimary((await deps()).primary))
  }
  return {
    'devices.list': async () => {
      const { parts } = await deps()
      return ok(await devicesView(parts.ctx, await currentOwnList(parts.ctx)))
    },
    'devices.linkStart': (r) => {
      if (newDevice === null)
        throw new ClientApiError('unsupported', 'this host cannot link a new device')
      return newDevice['devices.linkStart'](r)
    },
    'devices.linkAccept': async (r) => ok(await (await deps()).primary.accept(r.link)),
    'devices.linkConfirm': (r) =>
      settle(
        r.linkId,
        (p) => p.confirm(r.linkId),
        () => newDevice?.['devices.linkConfirm'](r) ?? null,
      ),
    'devices.linkCancel': (r) =>
      settle(
        r.linkId,
        (p) => p.cancel(r.linkId),
        () => newDevice?.['devices.linkCancel'](r) ?? null,
      ),
    'devices.rename': async (r) => ok(await renameDevice((await deps()).parts, r.deviceId, r.name)),
    'devices.remove': async (r) => ok(await removeOwnDevice((await deps()).parts, r.deviceId)),
    'devices.logoutOthers': async () => ok(await logoutOthers((await deps()).parts)),
  }
}
