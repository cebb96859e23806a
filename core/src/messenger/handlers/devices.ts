/**
 * Client API area "devices" (issue 19, ADR 0760, docs/protocol/devices.md): this identity's
 * devices, linking one from the primary, renaming and removing. Served by the running messenger
 * (domain: ../devices/own-devices.ts, manage.ts, primary-links.ts). The new install's side
 * (`devices.linkStart`, and confirm/cancel of its own attempt) runs before there is an identity:
 * the service's NewDeviceLinks (new-device-links.ts); without one linkStart answers `unsupported`.
 */
import { ClientApiError, ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerContext } from '../context.ts'
import { logoutOthers, published, removeOwnDevice, renameDevice } from '../devices/manage.ts'
import { currentOwnList, devicesView } from '../devices/own-devices.ts'
import type { NewDeviceLinks } from '../devices/new-device-links.ts'
import { PrimaryLinks } from '../devices/primary-links.ts'
import type { Running } from './running.ts'
import type { OwnChannel } from '../devices/own-channel.ts'

type DevicesRequestType =
  | 'devices.list'
  | 'devices.linkStart'
  | 'devices.linkAccept'
  | 'devices.linkConfirm'
  | 'devices.linkCancel'
  | 'devices.rename'
  | 'devices.remove'
  | 'devices.logoutOthers'
  | 'devices.historySize'
  | 'devices.sendHistory'

export interface DevicesParts {
  ctx: MessengerContext
  kickOutbox(): void
  /** The channel to our other devices: links made, removed devices told (ADR 0762). */
  own: OwnChannel
}

export function devicesHandlers(
  running: Running<DevicesParts>,
  newDevice: NewDeviceLinks | null = null,
): HandlersFor<DevicesRequestType> {
  // One set of link attempts per running messenger (a restart starts with none).
  const links = new WeakMap<MessengerContext, PrimaryLinks>()
  const deps = async () => {
    const parts = await running()
    let primary = links.get(parts.ctx)
    if (primary === undefined) {
      primary = new PrimaryLinks({
        ctx: parts.ctx,
        ownRoute: () => parts.own.route(),
        keepLink: (link) => parts.own.addLink(link),
        linked: async (list) => {
          await published(parts, list)
        },
      })
      links.set(parts.ctx, primary)
    }
    return { parts, primary }
  }
  return {
    'devices.list': async () => {
      const { parts } = await deps()
      return ok(await devicesView(parts.ctx, await currentOwnList(parts.ctx)))
    },
    'devices.linkStart': async (r) => {
      if (newDevice === null)
        throw new ClientApiError('unsupported', 'this host cannot link a new device')
      return ok(await newDevice.start(r.deviceName))
    },
    'devices.linkAccept': async (r) => ok(await (await deps()).primary.accept(r.link)),
    // The new install's own attempt is answered without an identity; any other is the primary's.
    'devices.linkConfirm': async (r) =>
      newDevice?.owns(r.linkId) === true
        ? ok(newDevice.confirm(r.linkId))
        : ok((await deps()).primary.confirm(r.linkId)),
    'devices.linkCancel': async (r) =>
      newDevice?.owns(r.linkId) === true
        ? ok(await newDevice.cancel(r.linkId))
        : ok((await deps()).primary.cancel(r.linkId)),
    'devices.rename': async (r) => ok(await renameDevice((await deps()).parts, r.deviceId, r.name)),
    'devices.remove': async (r) => ok(await removeOwnDevice((await deps()).parts, r.deviceId)),
    'devices.logoutOthers': async () => ok(await logoutOthers((await deps()).parts)),
    // History to a linked device of ours (ADR 0790): its size first, then the transfer.
    'devices.historySize': async (r) => ok(await (await running()).own.history.size(r.deviceId)),
    'devices.sendHistory': async (r) => ok(await (await running()).own.history.send(r.deviceId)),
  }
}
