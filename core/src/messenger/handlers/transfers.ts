/**
 * Client API area "files": list, offer and steer file transfers (domain: ../files.ts). A host that
 * passed no `files` option lists none and answers the rest `unsupported`.
 */
import { fail, ok, type ClientRequestType } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import type { MessengerFiles } from '../files.ts'
import type { Running } from './running.ts'

type Action = 'accept' | 'decline' | 'pause' | 'resume' | 'cancel'
type ActionType = `transfer.${Action}`

export function transferHandlers(
  running: Running<{ files: MessengerFiles | null }>,
): HandlersFor<'transfers.list' | 'transfer.offer' | ActionType> {
  const unsupported = (type: ClientRequestType) => fail('unsupported', `${type} is not built yet`)
  const act = (action: Action) => async (r: { type: ActionType; transferId: string }) => {
    const files = (await running()).files
    return files === null ? unsupported(r.type) : files.act(action, r.transferId)
  }
  return {
    'transfers.list': async (r) => {
      const files = (await running()).files
      return files === null ? ok({ transfers: [] }) : files.list(r.conversationId)
    },
    'transfer.offer': async (r) => {
      const files = (await running()).files
      return files === null ? unsupported(r.type) : files.offer(r.conversationId, r.file)
    },
    'transfer.accept': act('accept'),
    'transfer.decline': act('decline'),
    'transfer.pause': act('pause'),
    'transfer.resume': act('resume'),
    'transfer.cancel': act('cancel'),
  }
}
