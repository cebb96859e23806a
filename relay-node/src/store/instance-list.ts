/**
 * The other relay instances that share this relay's mailbox store (issue 22, ADR 0231). The
 * operator lists them (`--instances`); the relay only checks their form and advertises them in its
 * `info` answer, where owners find where to move their subscriptions when this instance is down.
 * A relay cannot check that a listed address really shares its store: the list is the operator's
 * word, as the relay's own announce addresses are.
 */
import { multiaddr } from '@multiformats/multiaddr'

/** Instances advertised at most (the info answer stays small; contacts keep only a few relays). */
export const MAX_INSTANCES = 8
/** Longest instance address accepted (a /dns4/…/tcp/…/wss/p2p/… address is well under this). */
export const MAX_INSTANCE_ADDR_CHARS = 256

/** What is wrong with an instance list, or undefined when every address is usable. */
export function instanceListProblem(instances: readonly string[]): string | undefined {
  if (instances.length > MAX_INSTANCES) {
    return `at most ${MAX_INSTANCES} instances can be listed (got ${instances.length})`
  }
  for (const addr of instances) {
    if (addr.length > MAX_INSTANCE_ADDR_CHARS) {
      return `an instance address is longer than ${MAX_INSTANCE_ADDR_CHARS} characters`
    }
    let peer: string | undefined
    try {
      peer = multiaddr(addr)
        .getComponents()
        .findLast((c) => c.name === 'p2p')?.value
    } catch {
      return `not a multiaddr: ${addr}`
    }
    if (peer === undefined) return `an instance address must end in /p2p/<peer id>: ${addr}`
  }
  if (new Set(instances).size !== instances.length) return 'an instance is listed twice'
  return undefined
}

/** The list to advertise: without this instance's own addresses (clients already know those). */
export function advertisedInstances(
  instances: readonly string[],
  ownPeerIds: readonly string[],
): string[] {
  return instances.filter((addr) => !ownPeerIds.some((id) => addr.endsWith(`/p2p/${id}`)))
}
