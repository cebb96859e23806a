/**
 * Loading an MLS ciphersuite from ts-mls, with Hestia's Ed25519 in place of the library's: the
 * library verifies with WebCrypto where it exists, whose acceptance of edge-case signatures
 * differs between engines; Hestia verifies strictly everywhere (RFC 8032 §5.1.7, zip215: false,
 * crypto/primitives.ts) so two members never disagree on whether a leaf or commit is signed.
 */
import { getCiphersuiteImpl, type CiphersuiteImpl } from 'ts-mls'
import { getCiphersuiteFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js'
import type { Signature } from 'ts-mls/crypto/signature.js'
import { ed25519KeyPair, ed25519Sign, ed25519Verify } from '../crypto/primitives.ts'
import { systemRandom } from '../crypto/platform.ts'
import { GROUP_CIPHERSUITE } from './limits.ts'

/** A loaded ciphersuite (the library's implementation of its primitives). */
export interface GroupSuite {
  readonly id: number
  readonly impl: CiphersuiteImpl
}

const ED25519_SEED_BYTES = 32

/** Ed25519 for MLS (RFC 9420 §5.1.2 signs with the raw 32-byte seed as the private key). */
const strictEd25519: Signature = {
  sign(signKey, message) {
    if (signKey.length !== ED25519_SEED_BYTES) {
      return Promise.reject(new RangeError('Ed25519 private key must be the 32-byte seed'))
    }
    return Promise.resolve(ed25519Sign(signKey, message))
  },
  verify: (publicKey, message, signature) =>
    Promise.resolve(ed25519Verify(publicKey, message, signature)),
  keygen() {
    const k = ed25519KeyPair(systemRandom)
    return Promise.resolve({ publicKey: k.publicKey, signKey: k.secretKey })
  },
}

export async function loadSuite(id: number = GROUP_CIPHERSUITE): Promise<GroupSuite> {
  const suite = getCiphersuiteFromId(id as CiphersuiteId)
  const impl = await getCiphersuiteImpl(suite)
  if (suite.signature !== 'Ed25519') return { id, impl }
  return { id, impl: { ...impl, signature: strictEd25519 } }
}
