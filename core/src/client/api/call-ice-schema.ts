/**
 * Validation of `call.iceServers` (call-ice.ts), spread into the tables of ../validate.ts.
 */
import { CALL_ICE_LIMITS as C, type IceServer } from './call-ice.ts'
import type { RequestFor, ResultFor } from './requests.ts'
import { lit, nullable, obj, str } from '../schema.ts'
import type { Schema } from '../schema.ts'
import { list } from '../validate-values.ts'

const iceServer = obj<IceServer>({
  urls: list(str(C.urlChars, 1), C.urlsPerServer),
  username: nullable(str(C.usernameChars, 1)),
  credential: nullable(str(C.credentialChars, 1)),
})

export const callIceRequestSchemas: {
  'call.iceServers': Schema<RequestFor<'call.iceServers'>>
} = {
  'call.iceServers': obj({ type: lit('call.iceServers') }),
}

export const callIceResultSchemas: {
  'call.iceServers': Schema<ResultFor<'call.iceServers'>>
} = {
  'call.iceServers': obj({ iceServers: list(iceServer, C.servers) }),
}
