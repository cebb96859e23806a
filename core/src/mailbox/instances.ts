/**
 * The relay instances of a community (issue 22, ADR 0231): relays that share one mailbox store, so
 * each serves the same mailboxes. The owner learns them from its home relay's `info` answer
 * (RelayInfo.instances, set by the operator), keeps them per home relay, moves its fetch and
 * subscriptions to another instance when the one in use is down, and names them to contacts in its
 * Hello (end to end), where they become deposit fail-overs (failover.ts).
 *
 * A home relay could list addresses that are not its instances; an owner that moves there finds no
 * mailbox (`unknown_mailbox`) or a relay that keeps what it is given. The home relay already
 * decides whether the owner's mail is stored at all, so its list is trusted as far as the relay is.
 */
import { MailboxError } from './errors.ts'
import { worthAnotherInstance } from './failover.ts'

/** Longest instance address kept (as long as a contact accepts in a Hello's relay list). */
const MAX_ADDRESS_CHARS = 256
/** Instances kept per home relay (the relay advertises at most 8). */
const MAX_INSTANCES = 8

/** Only what looks like a dialable relay address, each once, never the home relay itself. */
function usable(home: string, advertised: readonly string[]): string[] {
  const out: string[] = []
  for (const addr of advertised) {
    const looksRight =
      typeof addr === 'string' &&
      addr.length <= MAX_ADDRESS_CHARS &&
      addr.startsWith('/') &&
      addr.includes('/p2p/')
    if (looksRight && addr !== home && !out.includes(addr)) out.push(addr)
    if (out.length === MAX_INSTANCES) break
  }
  return out
}

/** The lists as kept in the messenger's store (its KeptInstanceLists has this shape). */
export interface KeptInstanceLists {
  lists: { home: string; instances: string[]; learntAt: number }[]
}

/** Home relays whose lists are kept (a user has a few relays; the first is home). */
const MAX_HOMES = 8

export class CommunityInstances {
  readonly #lists = new Map<string, { instances: string[]; learntAt: number }>()
  /** Home relays whose list was answered in this process (a restored list is asked again). */
  readonly #answered = new Set<string>()

  /**
   * Records what `via` (the home relay or one of its instances) advertised for `home`; true when
   * that differs from what was known. Another instance does not list itself, so it is added.
   */
  learn(
    home: string,
    advertised: readonly string[],
    { now = 0, via = home }: { now?: number; via?: string } = {},
  ): boolean {
    const next = usable(home, via === home ? advertised : [via, ...advertised])
    const before = this.#lists.get(home)?.instances
    this.#lists.delete(home) // re-inserted last: the oldest home is the one dropped past the cap
    this.#lists.set(home, { instances: next, learntAt: now })
    this.#answered.add(home)
    for (const old of this.#lists.keys()) if (this.#lists.size > MAX_HOMES) this.#lists.delete(old)
    return before === undefined ? next.length > 0 : before.join('\n') !== next.join('\n')
  }

  /** Whether `home` answered in this process (not only restored from the store). */
  known(home: string): boolean {
    return this.#answered.has(home)
  }

  /**
   * Takes the lists kept in the store for homes not answered yet in this
   * process, each checked as an advertised list is: a client that starts while its home instance
   * is down can still move to another.
   */
  restore(record: KeptInstanceLists | undefined): void {
    for (const entry of record?.lists ?? []) {
      if (typeof entry?.home !== 'string' || !Array.isArray(entry.instances)) continue
      if (this.#answered.has(entry.home) || this.#lists.size >= MAX_HOMES) continue
      const learntAt = Number.isFinite(entry.learntAt) ? entry.learntAt : 0
      this.#lists.set(entry.home, { instances: usable(entry.home, entry.instances), learntAt })
    }
  }

  /** What to keep in the store. */
  record(): KeptInstanceLists {
    return {
      lists: [...this.#lists].map(([home, l]) => ({
        home,
        instances: [...l.instances],
        learntAt: l.learntAt,
      })),
    }
  }

  /** The home relay, then its instances. */
  of(home: string): string[] {
    return [home, ...(this.#lists.get(home)?.instances ?? [])]
  }

  /** The order to try for `home`: the instance in use first, then the others as listed. */
  tryOrder(home: string, inUse: string): string[] {
    const all = this.of(home)
    const at = all.indexOf(inUse)
    return at <= 0 ? all : [...all.slice(at), ...all.slice(0, at)]
  }

  /**
   * A Hello's relay list: our home relay, its instances, then our other relays, at most `max`
   * (a contact deposits along it in order, failover.ts).
   */
  helloRelays(relays: readonly string[], max: number): string[] {
    const home = relays[0]
    if (home === undefined) return []
    const merged = [...this.of(home)]
    for (const r of relays.slice(1)) if (!merged.includes(r)) merged.push(r)
    return merged.slice(0, max)
  }
}

/**
 * Runs `op` on each address in turn until one succeeds; resolves with that address and the result.
 * An answer about the request itself (bad capability, unknown mailbox on the first address …) is
 * final and thrown at once; a later address that answers `unknown_mailbox` is skipped; when no
 * address answered, the first failure is thrown.
 */
export async function onFirstInstance<T>(
  order: readonly string[],
  op: (address: string) => Promise<T>,
): Promise<{ address: string; value: T }> {
  if (order.length === 0) throw new Error('no relay instance to use')
  let first: unknown
  for (const [index, address] of order.entries()) {
    try {
      return { address, value: await op(address) }
    } catch (err) {
      // A later address without the mailbox is not one of its instances: skip it.
      const notAnInstance =
        index > 0 && err instanceof MailboxError && err.code === 'unknown_mailbox'
      if (!notAnInstance && !worthAnotherInstance(err)) throw err
      if (index === 0) first = err
    }
  }
  throw first
}
