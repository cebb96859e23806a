// Multi-device fan-out cost in Node (issue 19): msg.fanout_5dev_p50_ms is the sender's work for
// one message to a contact with 5 devices — DeviceSessions.encryptToAll (core/src/messenger/
// devices/fanout.ts), one Double Ratchet encryption per device pair — with every session past its
// PQXDH start and the conversation going back and forth (every device answers each message, so
// every session has stepped its DH ratchet on receipt; that work happens when a reply is read and
// is not timed here: the timed part is a chain step, the AEAD and the frame encoding per device).
// Interleaved (A B A B) with the same for a contact with 1 device (msg.fanout_1dev_p50_ms),
// the baseline: fan-out should cost about five single sends, not more.
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { percentile } from '../lib/stats.ts'
import { systemPlatform } from '../../../core/src/crypto/platform.ts'
import { issueDeviceList } from '../../../core/src/messenger/devices/device-list.ts'
import {
  deviceSessionsFor,
  makeIdentityWithDevices,
  simPrimary,
  type SimDevice,
} from '../../../core/test-support/device-fixtures.ts'

const ROUNDS: Record<BenchMode, number> = { smoke: 10, quick: 60, full: 300 }
const BODY = new Uint8Array(200).fill(0x61)
const p = systemPlatform

/** `me`'s sessions with every device of `other`, as listed by `other`'s identity. */
function sessionsFor(me: SimDevice, other: ReturnType<typeof makeIdentityWithDevices>) {
  const list = issueDeviceList(other.identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: other.devices.map((d) => d.entry),
  })
  return deviceSessionsFor(p, me, list)
}

/** Bob (1 device) writing to Alice with `devices` devices; every Alice device answers each time. */
function conversation(devices: number) {
  const alice = makeIdentityWithDevices(p, devices - 1, 'alice')
  const bob = makeIdentityWithDevices(p, 0, 'bob')
  const bobDevice = simPrimary(p, bob.identity, bob.devices[0]!)
  const bobSide = sessionsFor(bobDevice, alice)
  const aliceSides = alice.devices.map((d) => sessionsFor(simPrimary(p, alice.identity, d), bob))
  /** One message from Bob; returns the time of the fan-out alone, then lets everyone answer. */
  return (): number => {
    const started = performance.now()
    const frames = bobSide.encryptToAll(BODY)
    const took = performance.now() - started
    frames.forEach((f, i) => {
      aliceSides[i]!.decrypt(f.frame)
      for (const reply of aliceSides[i]!.encryptToAll(BODY)) bobSide.decrypt(reply.frame)
    })
    return took
  }
}

const suite: BenchSuite = {
  prefix: 'msg.fanout',
  metrics: ['msg.fanout_5dev_p50_ms', 'msg.fanout_1dev_p50_ms'],
  run(ctx) {
    const rounds = ROUNDS[ctx.mode]
    const five = conversation(5)
    const one = conversation(1)
    five() // leave the PQXDH start phase on every session
    one()
    const a: number[] = []
    const b: number[] = []
    for (let i = 0; i < rounds && ctx.signal?.aborted !== true; i++) {
      a.push(five())
      b.push(one())
    }
    ctx.log(`fan-out: ${rounds} messages each to 5 and to 1 device`)
    const metrics: Record<string, Metric> = {
      'msg.fanout_5dev_p50_ms': {
        value: percentile(a, 50),
        unit: 'ms',
        baseline: 'msg.fanout_1dev_p50_ms',
        goal: 'ratio <= 6',
      },
      'msg.fanout_1dev_p50_ms': { value: percentile(b, 50), unit: 'ms' },
    }
    return Promise.resolve(metrics)
  },
}

export default suite
