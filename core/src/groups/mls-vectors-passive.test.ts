// Official MLS interop vectors, part 5: passive clients (join from a welcome, then follow commits
// and proposals epoch by epoch, RFC 9420 §12). These run through the group layer itself:
// joinFromWelcome, processMessage and epochAuthenticatorOf of mls.ts. The vectors' credentials are
// plain MLS basic credentials without a Hestia binding, so the credential check accepts any leaf
// here (Hestia's own check is tested in groups.test.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex, utf8 } from '../crypto/bytes.ts'
import { bytesToBase64, decodeMlsMessage, type CiphersuiteImpl, type KeyPackage } from 'ts-mls'
import {
  epochAuthenticatorOf,
  joinFromWelcome,
  processMessage,
  type Group,
  type GroupSuite,
  type KeyPackageBundle,
} from './mls.ts'
import type { LeafCredentialCheck } from './credential.ts'
import {
  fixedLengthKey,
  hex,
  runVectors,
  suiteFor,
  type VectorContext,
} from '../../test-support/mls-vectors.ts'

interface PassiveVector {
  cipher_suite: number
  external_psks: { psk_id: string; psk: string }[]
  key_package: string
  signature_priv: string
  encryption_priv: string
  init_priv: string
  welcome: string
  ratchet_tree: string | null
  initial_epoch_authenticator: string
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[]
}

const anyLeaf: LeafCredentialCheck = { check: () => true, lastRefusal: undefined }

/** The private key opens what is sealed to the public one (HPKE keys). */
async function hpkePair(
  impl: CiphersuiteImpl,
  pub: Uint8Array,
  priv: Uint8Array,
): Promise<boolean> {
  const info = utf8('key check')
  const sealed = await impl.hpke.seal(await impl.hpke.importPublicKey(pub), utf8('x'), info)
  const opened = await impl.hpke.open(
    await impl.hpke.importPrivateKey(priv),
    sealed.enc,
    sealed.ct,
    info,
  )
  return toHex(new Uint8Array(opened)) === toHex(utf8('x'))
}

async function bundleOf(suite: GroupSuite, v: PassiveVector): Promise<KeyPackageBundle> {
  const bytes = hex(v.key_package)
  const m = decodeMlsMessage(bytes, 0)
  assert.ok(m !== undefined && m[0].wireformat === 'mls_key_package', 'key package decodes')
  const kp: KeyPackage = m[0].keyPackage
  const { impl } = suite
  assert.ok(
    await hpkePair(impl, kp.initKey, fixedLengthKey(v.cipher_suite, v.init_priv)),
    'init_priv matches init_key',
  )
  assert.ok(
    await hpkePair(
      impl,
      kp.leafNode.hpkePublicKey,
      fixedLengthKey(v.cipher_suite, v.encryption_priv),
    ),
    'encryption_priv matches',
  )
  const sig = await impl.signature.sign(
    fixedLengthKey(v.cipher_suite, v.signature_priv),
    utf8('key check'),
  )
  assert.ok(
    await impl.signature.verify(kp.leafNode.signaturePublicKey, utf8('key check'), sig),
    'signature_priv matches',
  )
  return {
    bytes,
    publicPackage: kp,
    privatePackage: {
      initPrivateKey: fixedLengthKey(v.cipher_suite, v.init_priv),
      hpkePrivateKey: fixedLengthKey(v.cipher_suite, v.encryption_priv),
      signaturePrivateKey: fixedLengthKey(v.cipher_suite, v.signature_priv),
    },
  }
}

async function follow(v: PassiveVector): Promise<void> {
  const suite = await suiteFor(v.cipher_suite)
  const own = await bundleOf(suite, v)
  const externalPsks: Record<string, Uint8Array> = {}
  for (const p of v.external_psks) externalPsks[bytesToBase64(hex(p.psk_id))] = hex(p.psk)
  let group: Group = await joinFromWelcome(suite, anyLeaf, hex(v.welcome), own, {
    ratchetTree: v.ratchet_tree === null ? undefined : hex(v.ratchet_tree),
    externalPsks,
  })
  assert.equal(
    toHex(epochAuthenticatorOf(group)),
    v.initial_epoch_authenticator,
    'initial epoch authenticator',
  )
  for (const [n, epoch] of v.epochs.entries()) {
    for (const proposal of epoch.proposals) {
      const r = await processMessage(group, hex(proposal))
      assert.equal(r.kind, 'proposal', `epoch ${n}: a proposal`)
      group = r.group
    }
    const r = await processMessage(group, hex(epoch.commit))
    assert.ok(r.kind === 'commit' && !r.removed, `epoch ${n}: a commit that keeps us in`)
    group = r.group
    assert.equal(
      toHex(epochAuthenticatorOf(group)),
      epoch.epoch_authenticator,
      `epoch ${n} authenticator`,
    )
  }
}

for (const file of [
  'passive-client-welcome.json',
  'passive-client-handling-commit.json',
  'passive-client-random.json',
]) {
  void test(`MLS vectors ${file} (through the group layer)`, async (t: VectorContext) => {
    await runVectors<PassiveVector>(t, file, follow)
  })
}
