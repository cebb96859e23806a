/**
 * The ICE servers a call window's RTCPeerConnection uses (ADR 0452): the STUN responder and the TURN
 * credentials of the user's own relays, never anyone else's.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

/** One ICE server (RTCIceServer, with null for "none"). */
export interface IceServer {
  /** `stun:` or `turn:`/`turns:` URLs, all on one of the user's relays' hosts. */
  urls: string[]
  username: string | null
  credential: string | null
}

export const CALL_ICE_LIMITS = {
  servers: 6,
  urlsPerServer: 4,
  urlChars: 256,
  usernameChars: 128,
  credentialChars: 256,
} as const

export interface CallIceRequestTable {
  /**
   * The ICE servers to use for a call starting now. TURN credentials are fetched from the relays
   * and are valid for at least a minute; ask again for every call. `invalid_state` in relay-only
   * mode (calls are off there, ADR 0752).
   */
  'call.iceServers': { params: Record<never, never>; result: { iceServers: IceServer[] } }
}
