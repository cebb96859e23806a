/**
 * Client API area "devices" (issue 19, ADR 0760, docs/protocol/devices.md). The messenger wiring
 * lands in the next commits; until then every request answers `unsupported`.
 */
import { fail } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'

type DevicesRequestType =
  | 'devices.list'
  | 'devices.linkStart'
  | 'devices.linkAccept'
  | 'devices.linkConfirm'
  | 'devices.linkCancel'
  | 'devices.rename'
  | 'devices.remove'
  | 'devices.logoutOthers'

const notYet = () => Promise.resolve(fail('unsupported', 'multi-device is being wired'))

export function devicesHandlers(): HandlersFor<DevicesRequestType> {
  return {
    'devices.list': notYet,
    'devices.linkStart': notYet,
    'devices.linkAccept': notYet,
    'devices.linkConfirm': notYet,
    'devices.linkCancel': notYet,
    'devices.rename': notYet,
    'devices.remove': notYet,
    'devices.logoutOthers': notYet,
  }
}
