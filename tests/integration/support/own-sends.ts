/**
 * The own-device frames one device sends to another, seen as the sender sends them (over a direct
 * stream or into the mailbox), not as the receiver takes them in. "X was not passed on" judged at
 * the receiver by "a later frame came first" passes with X sent when X fell back to the mailbox
 * while the later frame went direct (ADR 0790, 0793; review 11 F7). The sender's own receive
 * awaits what it passes on, so once it has answered, a frame it passed on has been sent here.
 *
 * Watches every messenger in this process (OwnDirect and MailboxManager are patched on their
 * prototypes) but keeps only frames sealed under the link of `from` and `to`, addressed to `to`.
 */
import { MailboxManager } from '@hestia/core/messenger/mailbox-manager.ts'
import { OwnDirect } from '@hestia/core/messenger/devices/own-direct.ts'
import { openOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import type { TestPeer } from './messenger-harness.ts'

export interface OwnSends {
  /** Kinds of the frames `from` sent to `to` since the watch began, in order (each sealed frame once). */
  readonly kinds: number[]
  /** How many of them were of `kind`. */
  count(kind: number): number
  /** Ends the watch (puts the prototypes back). */
  stop(): void
}

export async function watchOwnSends(from: TestPeer, to: TestPeer): Promise<OwnSends> {
  const fromId = from.service.node!.peerId.toString()
  const secrets = decodeSecrets((await to.store.getIdentity())!.secretKeys)
  const link = secrets.ownLinks?.find((l) => l.deviceId === fromId)
  if (link === undefined) throw new Error(`${to.name} holds no link with ${from.name}`)
  const me = peerIdBytes(to.service.node!.peerId)
  const kinds: number[] = []
  // A frame tried direct and then deposited (the same sealed bytes) counts once.
  const seen = new Set<string>()
  const note = (frame: Uint8Array) => {
    try {
      const kind = openOwnFrame(link.key, me, frame).kind
      const id = Buffer.from(frame).toString('base64')
      if (!seen.has(id)) kinds.push(kind)
      seen.add(id)
    } catch {
      // Another link's frame, a contact's, or not for `to`.
    }
  }
  const { deposit } = Object.getOwnPropertyDescriptors(MailboxManager.prototype)
  const { send } = Object.getOwnPropertyDescriptors(OwnDirect.prototype)
  MailboxManager.prototype.deposit = function (this: MailboxManager, ...args) {
    note(args[1])
    return (deposit.value as MailboxManager['deposit']).apply(this, args)
  }
  OwnDirect.prototype.send = function (this: OwnDirect, ...args) {
    note(args[1])
    return (send.value as OwnDirect['send']).apply(this, args)
  }
  return {
    kinds,
    count: (kind) => kinds.filter((k) => k === kind).length,
    stop: () => {
      Object.defineProperty(MailboxManager.prototype, 'deposit', deposit)
      Object.defineProperty(OwnDirect.prototype, 'send', send)
    },
  }
}
