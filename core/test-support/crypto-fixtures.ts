/**
 * Ready-made devices, prekeys and sessions for crypto tests, all from a seeded platform.
 */
import {
  createDeviceKeys,
  createIdentity,
  issueDeviceCert,
  type DeviceCertificate,
  type DeviceKeyPair,
  type IdentityKeyPair,
} from '../src/crypto/identity.ts'
import {
  buildPrekeyBundle,
  createPrekey,
  PREKEY_KIND,
  verifyPrekeyBundle,
  type PrekeySecret,
} from '../src/crypto/prekeys.ts'
import { acceptSession, initiateSession } from '../src/crypto/pqxdh.ts'
import type { Session } from '../src/crypto/session.ts'
import type { CryptoPlatform } from '../src/crypto/platform.ts'

export const DAY = 86_400_000

export interface TestDevice {
  identity: IdentityKeyPair
  keys: DeviceKeyPair
  cert: DeviceCertificate
}

export function makeDevice(
  p: CryptoPlatform,
  name: string,
  identity?: IdentityKeyPair,
): TestDevice {
  const id = identity ?? createIdentity(p.random)
  const keys = createDeviceKeys(p.random)
  const now = p.clock()
  const cert = issueDeviceCert(id, {
    deviceKey: keys.publicKey,
    peerId: new TextEncoder().encode(`peer:${name}`),
    issuedAt: now,
    expiresAt: now + 30 * DAY,
  })
  return { identity: id, keys, cert }
}

export interface TestPrekeys {
  signed: PrekeySecret
  pq: PrekeySecret
  oneTime?: PrekeySecret
  all: PrekeySecret[]
  bundle: Uint8Array
}

export function makePrekeys(
  p: CryptoPlatform,
  d: TestDevice,
  opts: { oneTime?: boolean; pqOneTime?: boolean; firstId?: number } = {},
): TestPrekeys {
  const base = opts.firstId ?? 1
  const expiresAt = p.clock() + 7 * DAY
  const mk = (kind: (typeof PREKEY_KIND)[keyof typeof PREKEY_KIND], id: number) =>
    createPrekey(d.identity, { kind, id, deviceKey: d.keys.publicKey, expiresAt, random: p.random })
  const signed = mk(PREKEY_KIND.signedX25519, base)
  const pq = mk(opts.pqOneTime ? PREKEY_KIND.oneTimeMlkem : PREKEY_KIND.lastResortMlkem, base + 1)
  const oneTime = opts.oneTime === false ? undefined : mk(PREKEY_KIND.oneTimeX25519, base + 2)
  const bundle = buildPrekeyBundle({
    deviceCert: d.cert,
    signedPrekey: signed,
    pqPrekey: pq,
    ...(oneTime ? { oneTimePrekey: oneTime } : {}),
  })
  return {
    signed,
    pq,
    ...(oneTime ? { oneTime } : {}),
    all: [signed, pq, ...(oneTime ? [oneTime] : [])],
    bundle,
  }
}

/** Alice starts a session with Bob's bundle; Bob accepts the first message. */
export function makeSessionPair(
  p: CryptoPlatform,
  first = new TextEncoder().encode('hello'),
): { alice: Session; bob: Session; aliceDevice: TestDevice; bobDevice: TestDevice } {
  const aliceDevice = makeDevice(p, 'alice')
  const bobDevice = makeDevice(p, 'bob')
  const pre = makePrekeys(p, bobDevice)
  const bundle = verifyPrekeyBundle(pre.bundle, { now: p.clock() })
  const start = initiateSession({ local: aliceDevice, bundle, body: first, platform: p })
  const got = acceptSession({
    local: bobDevice,
    frame: start.frame,
    prekeys: (kind, id) => pre.all.find((k) => k.kind === kind && k.id === id),
    platform: p,
  })
  return { alice: start.session, bob: got.session, aliceDevice, bobDevice }
}
