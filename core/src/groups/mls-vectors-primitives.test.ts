// Official MLS interop vectors, part 1: the deterministic building blocks (tree math, labelled
// crypto, secret tree, key schedule, PSKs, transcript hashes, vlbytes headers). The group layer
// (mls.ts) has no equivalent for these, so they run through the primitives ts-mls exposes; the
// wrapper's own paths are covered by the passive-client, welcome and message vectors.
// Prints "<file>: passed/total (per ciphersuite)"; skips without ../shared (core/test-support/mls-vectors.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual, toHex } from '../crypto/bytes.ts'
import {
  left,
  nodeWidth,
  parent,
  right,
  root,
  sibling,
  toNodeIndex,
  leafToNodeIndex,
  toLeafIndex,
} from 'ts-mls/treemath.js'
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js'
import { refhash } from 'ts-mls/crypto/hash.js'
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js'
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js'
import { determineLength } from 'ts-mls/codec/variableLength.js'
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js'
import { createSecretTree, deriveKey, deriveNonce, ratchetUntil } from 'ts-mls/secretTree.js'
import { encodeGroupContext, type GroupContext } from 'ts-mls/groupContext.js'
import { initializeEpoch, mlsExporter } from 'ts-mls/keySchedule.js'
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js'
import { computePskSecret, type PreSharedKeyID } from 'ts-mls/presharedkey.js'
import { decodeAuthenticatedContent } from 'ts-mls/authenticatedContent.js'
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js'
import { hex, runVectors, suiteFor } from '../../test-support/mls-vectors.ts'

const same = (a: Uint8Array, b: string, what: string) => assert.equal(toHex(a), b, what)

/** Calls `fn` on a node index; null in the vector means "no such node" (the library throws). */
function nodeOrNull(fn: () => number): number | null {
  try {
    return fn()
  } catch {
    return null
  }
}

interface TreeMath {
  n_leaves: number
  n_nodes: number
  root: number
  left: (number | null)[]
  right: (number | null)[]
  parent: (number | null)[]
  sibling: (number | null)[]
}

void test('MLS vectors tree-math.json', async (t) => {
  await runVectors<TreeMath>(t, 'tree-math.json', (v) => {
    assert.equal(nodeWidth(v.n_leaves), v.n_nodes)
    assert.equal(root(v.n_leaves), v.root)
    for (let i = 0; i < v.n_nodes; i++) {
      const x = toNodeIndex(i)
      assert.equal(
        nodeOrNull(() => left(x)),
        v.left[i],
        `left(${i})`,
      )
      assert.equal(
        nodeOrNull(() => right(x)),
        v.right[i],
        `right(${i})`,
      )
      assert.equal(
        nodeOrNull(() => parent(x, v.n_leaves)),
        v.parent[i],
        `parent(${i})`,
      )
      assert.equal(
        nodeOrNull(() => sibling(x, v.n_leaves)),
        v.sibling[i],
        `sibling(${i})`,
      )
    }
  })
})

interface CryptoBasics {
  cipher_suite: number
  ref_hash: { label: string; value: string; out: string }
  derive_secret: { label: string; secret: string; out: string }
  derive_tree_secret: {
    label: string
    secret: string
    generation: number
    length: number
    out: string
  }
  expand_with_label: { label: string; secret: string; context: string; length: number; out: string }
  sign_with_label: { label: string; content: string; priv: string; pub: string; signature: string }
  encrypt_with_label: {
    label: string
    context: string
    plaintext: string
    priv: string
    pub: string
    kem_output: string
    ciphertext: string
  }
}

void test('MLS vectors crypto-basics.json', async (t) => {
  await runVectors<CryptoBasics>(t, 'crypto-basics.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    const r = v.ref_hash
    same(await refhash(r.label, hex(r.value), impl.hash), r.out, 'RefHash')
    const d = v.derive_secret
    same(await deriveSecret(hex(d.secret), d.label, impl.kdf), d.out, 'DeriveSecret')
    const dt = v.derive_tree_secret
    same(
      await deriveTreeSecret(hex(dt.secret), dt.label, dt.generation, dt.length, impl.kdf),
      dt.out,
      'DeriveTreeSecret',
    )
    const e = v.expand_with_label
    same(
      await expandWithLabel(hex(e.secret), e.label, hex(e.context), e.length, impl.kdf),
      e.out,
      'ExpandWithLabel',
    )
    const s = v.sign_with_label
    const verify = (sig: Uint8Array) =>
      verifyWithLabel(hex(s.pub), s.label, hex(s.content), sig, impl.signature)
    assert.ok(await verify(hex(s.signature)), 'VerifyWithLabel(vector signature)')
    assert.ok(
      await verify(await signWithLabel(hex(s.priv), s.label, hex(s.content), impl.signature)),
      'VerifyWithLabel(our signature)',
    )
    const h = v.encrypt_with_label
    const priv = await impl.hpke.importPrivateKey(hex(h.priv))
    const pub = await impl.hpke.importPublicKey(hex(h.pub))
    const open = (enc: Uint8Array, ct: Uint8Array) =>
      decryptWithLabel(priv, h.label, hex(h.context), enc, ct, impl.hpke)
    same(await open(hex(h.kem_output), hex(h.ciphertext)), h.plaintext, 'DecryptWithLabel(vector)')
    const sealed = await encryptWithLabel(pub, h.label, hex(h.context), hex(h.plaintext), impl.hpke)
    same(await open(sealed.enc, sealed.ct), h.plaintext, 'EncryptWithLabel round trip')
  })
})

void test('MLS vectors deserialization.json', async (t) => {
  await runVectors<{ vlbytes_header: string; length: number }>(t, 'deserialization.json', (v) => {
    assert.equal(determineLength(hex(v.vlbytes_header)).length, v.length)
  })
})

interface SecretTreeVector {
  cipher_suite: number
  sender_data: { sender_data_secret: string; ciphertext: string; key: string; nonce: string }
  encryption_secret: string
  leaves: {
    generation: number
    handshake_key: string
    handshake_nonce: string
    application_key: string
    application_nonce: string
  }[][]
}

// The vectors ratchet up to generation ~1000 in one step; the library's default caps forward steps.
const wideRetention = {
  retainKeysForGenerations: 0,
  retainKeysForEpochs: 0,
  maximumForwardRatchetSteps: 1 << 20,
}

void test('MLS vectors secret-tree.json', async (t) => {
  await runVectors<SecretTreeVector>(t, 'secret-tree.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    const sd = v.sender_data
    same(
      await expandSenderDataKey(impl, hex(sd.sender_data_secret), hex(sd.ciphertext)),
      sd.key,
      'sender data key',
    )
    same(
      await expandSenderDataNonce(impl, hex(sd.sender_data_secret), hex(sd.ciphertext)),
      sd.nonce,
      'sender data nonce',
    )
    const tree = await createSecretTree(v.leaves.length, hex(v.encryption_secret), impl.kdf)
    for (const [i, gens] of v.leaves.entries()) {
      const node = tree[leafToNodeIndex(toLeafIndex(i))]!
      for (const g of gens) {
        const [hs] = await ratchetUntil(node.handshake, g.generation, wideRetention, impl.kdf)
        const [app] = await ratchetUntil(node.application, g.generation, wideRetention, impl.kdf)
        same(
          await deriveKey(hs.secret, g.generation, impl),
          g.handshake_key,
          `leaf ${i} handshake key ${g.generation}`,
        )
        same(
          await deriveNonce(hs.secret, g.generation, impl),
          g.handshake_nonce,
          `leaf ${i} handshake nonce`,
        )
        same(
          await deriveKey(app.secret, g.generation, impl),
          g.application_key,
          `leaf ${i} application key`,
        )
        same(
          await deriveNonce(app.secret, g.generation, impl),
          g.application_nonce,
          `leaf ${i} application nonce`,
        )
      }
    }
  })
})

interface KeyScheduleVector {
  cipher_suite: number
  group_id: string
  initial_init_secret: string
  epochs: Record<string, string> &
    { exporter: { label: string; context: string; length: number; secret: string } }[]
}

void test('MLS vectors key-schedule.json', async (t) => {
  await runVectors<KeyScheduleVector>(t, 'key-schedule.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    let initSecret = hex(v.initial_init_secret)
    for (const [n, e] of v.epochs.entries()) {
      const ep = e as unknown as Record<string, string> & KeyScheduleVector['epochs'][number]
      const gc: GroupContext = {
        version: 'mls10',
        cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId),
        groupId: hex(v.group_id),
        epoch: BigInt(n),
        treeHash: hex(ep.tree_hash!),
        confirmedTranscriptHash: hex(ep.confirmed_transcript_hash!),
        extensions: [],
      }
      same(encodeGroupContext(gc), ep.group_context!, `epoch ${n} group context`)
      const s = await initializeEpoch(
        initSecret,
        hex(ep.commit_secret!),
        gc,
        hex(ep.psk_secret!),
        impl.kdf,
      )
      const ks = s.keySchedule
      const pairs: [Uint8Array, string][] = [
        [s.joinerSecret, 'joiner_secret'],
        [s.welcomeSecret, 'welcome_secret'],
        [s.encryptionSecret, 'encryption_secret'],
        [ks.initSecret, 'init_secret'],
        [ks.senderDataSecret, 'sender_data_secret'],
        [ks.exporterSecret, 'exporter_secret'],
        [ks.externalSecret, 'external_secret'],
        [ks.confirmationKey, 'confirmation_key'],
        [ks.membershipKey, 'membership_key'],
        [ks.resumptionPsk, 'resumption_psk'],
        [ks.epochAuthenticator, 'epoch_authenticator'],
      ]
      for (const [value, field] of pairs) same(value, ep[field]!, `epoch ${n} ${field}`)
      const { publicKey } = await impl.hpke.deriveKeyPair(ks.externalSecret)
      same(await impl.hpke.exportPublicKey(publicKey), ep.external_pub!, `epoch ${n} external_pub`)
      const x = ep.exporter
      same(
        await mlsExporter(ks.exporterSecret, x.label, hex(x.context), x.length, impl),
        x.secret,
        'MLS-Exporter',
      )
      initSecret = ks.initSecret
    }
  })
})

void test('MLS vectors psk_secret.json', async (t) => {
  await runVectors<{
    cipher_suite: number
    psks: { psk_id: string; psk: string; psk_nonce: string }[]
    psk_secret: string
  }>(t, 'psk_secret.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    const psks = v.psks.map((p): [PreSharedKeyID, Uint8Array] => [
      { psktype: 'external', pskId: hex(p.psk_id), pskNonce: hex(p.psk_nonce) },
      hex(p.psk),
    ])
    same(await computePskSecret(psks, impl), v.psk_secret, 'psk_secret')
  })
})

interface TranscriptVector {
  cipher_suite: number
  confirmation_key: string
  authenticated_content: string
  interim_transcript_hash_before: string
  confirmed_transcript_hash_after: string
  interim_transcript_hash_after: string
}

void test('MLS vectors transcript-hashes.json', async (t) => {
  await runVectors<TranscriptVector>(t, 'transcript-hashes.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    const decoded = decodeAuthenticatedContent(hex(v.authenticated_content), 0)
    assert.ok(decoded !== undefined, 'AuthenticatedContent decodes')
    const ac = decoded[0]
    assert.ok(
      ac.content.contentType === 'commit' && ac.auth.contentType === 'commit',
      'holds a Commit',
    )
    const tag = ac.auth.confirmationTag
    assert.ok(
      await impl.hash.verifyMac(
        hex(v.confirmation_key),
        tag,
        hex(v.confirmed_transcript_hash_after),
      ),
      'confirmation tag',
    )
    const confirmed = await createConfirmedHash(
      hex(v.interim_transcript_hash_before),
      { wireformat: ac.wireformat, content: ac.content, signature: ac.auth.signature },
      impl.hash,
    )
    assert.ok(
      bytesEqual(confirmed, hex(v.confirmed_transcript_hash_after)),
      'confirmed transcript hash',
    )
    same(
      await createInterimHash(confirmed, tag, impl.hash),
      v.interim_transcript_hash_after,
      'interim transcript hash',
    )
  })
})
