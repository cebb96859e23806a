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
  keyPackage(): Promise<KeyPackageBundle>
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
  return {
    name,
    identity,
    device,
    signing,
    credential,
    checker: new CredentialChecker(p.clock, opts.policy),
    keyPackage: () => createKeyPackage(suite, credential, signing),
  }
}
