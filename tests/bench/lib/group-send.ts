// group.send_p50_ms (issue 20): one member sends a text to a group of 50 devices, Node, one
// process, no network: GroupChannel.send (catch up with the group mailbox, encrypt, frame) and the
// direct fan-out to the 49 others, each of which decrypts it (one after another here, so this is
// an upper bound on the sender's CPU plus every receiver's). Members joined through batched add
// commits in an in-memory group mailbox with the relay's ordering rule.
import { percentile } from './stats.ts'
import { systemPlatform as p } from '../../../core/src/crypto/platform.ts'
import { addBatches } from '../../../core/src/groups/add-batches.ts'
import { GroupChannel } from '../../../core/src/groups/group-channel.ts'
import { loadSuite } from '../../../core/src/groups/mls.ts'
import { makeMember } from '../../../core/test-support/group-fixtures.ts'
import { MemoryGroupMailbox } from '../../../core/test-support/group-mailbox-memory.ts'

export async function groupSendP50(
  n: number,
  rounds: number,
  log: (m: string) => void,
): Promise<number> {
  const suite = await loadSuite()
  const box = new MemoryGroupMailbox(64)
  let received = 0
  const io = {
    mailbox: box.portFor(),
    random: p.random,
    onEvent: (e: { kind: string }) => {
      if (e.kind === 'message') received++
    },
  }
  const owner = makeMember(p, suite, 'owner')
  const sender = await GroupChannel.create(
    suite,
    owner.checker,
    p.random(32),
    await owner.keyPackage(),
    io,
  )
  const members = Array.from({ length: n - 1 }, (_, i) => makeMember(p, suite, `m${i}`))
  const kps = await Promise.all(members.map((m) => m.keyPackage()))
  const others: GroupChannel[] = []
  let at = 0
  for (const batch of addBatches(kps.map((k) => k.bytes))) {
    const r = await sender.commit(() => ({ add: batch }))
    for (let i = 0; i < batch.length; i++, at++) {
      others.push(
        await GroupChannel.join(
          suite,
          members[at]!.checker,
          r!.welcome!,
          kps[at]!,
          r!.mailboxId,
          io,
        ),
      )
    }
  }
  for (const o of others) await o.catchUp()
  const text = new TextEncoder().encode('x'.repeat(200))
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    received = 0
    const t = performance.now()
    await sender.send(text, async (frame) => {
      for (const o of others) await o.receiveDirect(frame)
      return { allReached: true }
    })
    times.push(performance.now() - t)
    if (received !== n - 1) throw new Error(`only ${received} of ${n - 1} members decrypted`)
  }
  const p50 = percentile(times, 50)
  log(`group of ${n}: send + direct fan-out + ${n - 1} decryptions p50 ${p50.toFixed(1)} ms`)
  return p50
}
