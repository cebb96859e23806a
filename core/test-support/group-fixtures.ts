/**
 * Group members for tests: an identity, a certified device, an MLS signing key bound to it by a
 * MemberCredential, and a fresh KeyPackage on demand. All from a seeded platform.
 */
import { createIdentity, type IdentityKeyPair } from '../src/crypto/identity.ts'
import { ed25519KeyPair, type KeyPair } from '../src/crypto/primitives.ts'
import type { CryptoPlatform } from '../src/crypto/platform.ts'
import {
  CredentialChecker,
  issueMemberCredential,
  type MemberPolicy,
} from '../src/groups/credential.ts'
import { createKeyPackage, type GroupSuite, type KeyPackageBundle } from '../src/groups/mls.ts'
import { makeDevice, type TestDevice } from './crypto-fixtures.ts'

export interface TestMember {
  name: string
  identity: IdentityKeyPair
  device: TestDevice
  signing: KeyPair
  credential: Uint8Array
  checker: CredentialChecker
  /** A fresh KeyPackage (kept in `issued`, newest last, so a welcome for any of them can be used). */
  keyPackage(): Promise<KeyPackageBundle>
  issued: KeyPackageBundle[]
}

export function makeMember(
  p: CryptoPlatform,
  suite: GroupSuite,
  name: string,
  opts: { identity?: IdentityKeyPair; policy?: MemberPolicy } = {},
): TestMember {
  const identity = opts.identity ?? createIdentity(p.random)
  const device = makeDevice(p, name, identity)
  const signing = ed25519KeyPair(p.random)
  const credential = issueMemberCredential(identity, device.cert, signing.publicKey)
  const issued: KeyPackageBundle[] = []
  return {
    name,
    issued,
    identity,
    device,
    signing,
    credential,
    checker: new CredentialChecker(p.clock, opts.policy),
    keyPackage: async () => {
      const kp = await createKeyPackage(suite, credential, signing)
      issued.push(kp)
      return kp
    },
  }
}
