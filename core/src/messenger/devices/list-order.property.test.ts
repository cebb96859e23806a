// Property: however a relay or the network orders, repeats or drops the lists an identity issues,
// a contact ends up holding the newest one it was given, every older or repeated one is refused
// with 'replay', and a refused list never changes what is held (in particular, a removed device
// never comes back through an old list).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixedClock, seededRandom } from '../../../test-support/deterministic.ts'
import { makeIdentityWithDevices, makeListedDevice } from '../../../test-support/device-fixtures.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { acceptDeviceList, issueDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { MAX_DEVICES_PER_IDENTITY } from './limits.ts'
import { xorshift32 } from '../../../test-support/fuzz-bytes.ts'

const RUNS = 40
const time = fixedClock(Date.UTC(2026, 11, 6))
const p: CryptoPlatform = { random: seededRandom('list-order'), clock: time.clock }

test(`${RUNS} random histories of lists delivered out of order, repeated and dropped`, () => {
  const alice = makeIdentityWithDevices(p, 1)
  const spare = Array.from({ length: 4 }, (_, i) =>
    makeListedDevice(p, alice.identity, `spare ${i}`),
  )
  const idKey = { identityKey: alice.identity.publicKey }
  for (let run = 0; run < RUNS; run++) {
    const { below } = xorshift32(run + 1)
    // The primary issues 3..6 lists, adding or removing a companion each time.
    let entries = alice.devices.map((d) => d.entry)
    const issued: VerifiedDeviceList[] = []
    for (let i = 0, n = 3 + below(4); i < n; i++) {
      time.advance(1 + below(5000))
      const companions = entries.slice(1)
      if (
        companions.length > 0 &&
        (below(2) === 0 || entries.length === MAX_DEVICES_PER_IDENTITY)
      ) {
        companions.splice(below(companions.length), 1)
      } else {
        const add = spare.find((s) => !entries.includes(s.entry))
        if (add !== undefined) companions.push(add.entry)
      }
      entries = [entries[0]!, ...companions]
      issued.push(
        issueDeviceList(alice.identity, {
          previousVersion: issued.at(-1)?.listVersion ?? 0,
          now: p.clock(),
          devices: entries,
        }),
      )
    }
    // The network: a random sequence of deliveries (repeats allowed, some lists never arrive).
    let held: VerifiedDeviceList | undefined
    let newestSeen = -1
    for (let k = 0, n = issued.length * 2; k < n; k++) {
      const i = below(issued.length)
      const before = held
      try {
        held = acceptDeviceList(held, issued[i]!.bytes, idKey)
        assert.ok(i > newestSeen, 'only a newer list is taken')
        newestSeen = i
      } catch (err) {
        assert.ok(isProtocolError(err, 'replay'), `run ${run}: ${String(err)}`)
        assert.ok(i <= newestSeen)
        assert.equal(held, before, 'a refused list changes nothing')
      }
    }
    if (newestSeen >= 0) {
      assert.deepEqual(
        held!.devices.map((d) => d.name),
        issued[newestSeen]!.devices.map((d) => d.name),
      )
    }
  }
})
