// Official MLS interop vectors, part 4: wire formats (messages), welcome decryption and message
// protection. MLSMessage fields go through the group layer's own decoder (peekMessage) as well as
// the library codecs; framing and protection run through ts-mls's exposed functions, which the
// group layer reaches through encryptMessage/processMessage.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../crypto/bytes.ts'
import { decodeMlsMessage, encodeMlsMessage, type MLSMessage } from 'ts-mls/message.js'
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js'
import {
  decodeAdd,
  decodeExternalInit,
  decodeGroupContextExtensions,
  decodePSK,
  decodeProposal,
  decodeReinit,
  decodeRemove,
  decodeUpdate,
  encodeAdd,
  encodeExternalInit,
  encodeGroupContextExtensions,
  encodePSK,
  encodeProposal,
  encodeReinit,
  encodeRemove,
  encodeUpdate,
} from 'ts-mls/proposal.js'
import { decodeRatchetTree, encodeRatchetTree, type RatchetTree } from 'ts-mls/ratchetTree.js'
import { decodeGroupSecrets, encodeGroupSecrets } from 'ts-mls/groupSecrets.js'
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js'
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js'
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js'
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js'
import type { GroupContext } from 'ts-mls/groupContext.js'
import { createSecretTree } from 'ts-mls/secretTree.js'
import {
  protect,
  protectApplicationData,
  protectProposal,
  unprotectPrivateMessage,
} from 'ts-mls/messageProtection.js'
import {
  protectProposalPublic,
  protectPublicMessage,
  unprotectPublicMessage,
} from 'ts-mls/messageProtectionPublic.js'
import { createContentCommitSignature } from 'ts-mls/framedContent.js'
import { defaultKeyRetentionConfig } from 'ts-mls/keyRetentionConfig.js'
import { defaultPaddingConfig } from 'ts-mls/paddingConfig.js'
import { defaultCapabilities } from 'ts-mls/defaultCapabilities.js'
import type { AuthenticatedContent } from 'ts-mls/authenticatedContent.js'
import type { PrivateMessage } from 'ts-mls/privateMessage.js'
import { peekMessage, type GroupSuite } from './mls.ts'
import { fixedLengthKey, hex, runVectors, suiteFor } from '../../test-support/mls-vectors.ts'

type Codec = [(v: never) => Uint8Array, (b: Uint8Array, o: number) => [unknown, number] | undefined]

const STRUCTS: Record<string, Codec> = {
  ratchet_tree: [encodeRatchetTree, decodeRatchetTree] as Codec,
  group_secrets: [encodeGroupSecrets, decodeGroupSecrets] as Codec,
  add_proposal: [encodeAdd, decodeAdd] as Codec,
  update_proposal: [encodeUpdate, decodeUpdate] as Codec,
  remove_proposal: [encodeRemove, decodeRemove] as Codec,
  pre_shared_key_proposal: [encodePSK, decodePSK] as Codec,
  re_init_proposal: [encodeReinit, decodeReinit] as Codec,
  external_init_proposal: [encodeExternalInit, decodeExternalInit] as Codec,
  group_context_extensions_proposal: [
    encodeGroupContextExtensions,
    decodeGroupContextExtensions,
  ] as Codec,
  commit: [encodeCommit, decodeCommit] as Codec,
}

/** MLSMessage fields: expected wire format (and content type for public messages). */
const MLS_MESSAGES: Record<string, [string, string?]> = {
  mls_welcome: ['mls_welcome'],
  mls_group_info: ['mls_group_info'],
  mls_key_package: ['mls_key_package'],
  public_message_application: ['mls_public_message', 'application'],
  public_message_proposal: ['mls_public_message', 'proposal'],
  public_message_commit: ['mls_public_message', 'commit'],
  private_message: ['mls_private_message'],
}

function decodeWhole(bytes: Uint8Array, field: string): MLSMessage {
  const d = decodeMlsMessage(bytes, 0)
  assert.ok(d !== undefined && d[1] === bytes.length, `${field} decodes whole`)
  return d[0]
}

void test('MLS vectors messages.json', async (t) => {
  await runVectors<Record<string, string>>(t, 'messages.json', (v) => {
    for (const [field, [enc, dec]] of Object.entries(STRUCTS)) {
      const bytes = hex(v[field]!)
      const d = dec(bytes, 0)
      assert.ok(d !== undefined && d[1] === bytes.length, `${field} decodes whole`)
      assert.equal(toHex(enc(d[0] as never)), v[field], `${field} re-encodes`)
    }
    for (const [field, [wireformat, contentType]] of Object.entries(MLS_MESSAGES)) {
      const bytes = hex(v[field]!)
      const m = decodeWhole(bytes, field)
      assert.equal(m.wireformat, wireformat, `${field} wire format`)
      if (contentType !== undefined && m.wireformat === 'mls_public_message') {
        assert.equal(m.publicMessage.content.contentType, contentType, `${field} content type`)
      }
      assert.equal(toHex(encodeMlsMessage(m)), v[field], `${field} re-encodes`)
      assert.equal(peekMessage(bytes).wireformat, wireformat, `${field} through the group layer`)
    }
  })
})

interface WelcomeVector {
  cipher_suite: number
  init_priv: string
  signer_pub: string
  key_package: string
  welcome: string
}

void test('MLS vectors welcome.json', async (t) => {
  await runVectors<WelcomeVector>(t, 'welcome.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    const w = decodeWhole(hex(v.welcome), 'welcome')
    const kp = decodeWhole(hex(v.key_package), 'key package')
    assert.ok(w.wireformat === 'mls_welcome' && kp.wireformat === 'mls_key_package')
    const ref = await makeKeyPackageRef(kp.keyPackage, impl.hash)
    assert.ok(
      w.welcome.secrets.some((s) => toHex(s.newMember) === toHex(ref)),
      'an entry for the key package',
    )
    const initKey = await impl.hpke.importPrivateKey(hex(v.init_priv))
    const secrets = await decryptGroupSecrets(initKey, ref, w.welcome, impl.hpke)
    assert.ok(secrets !== undefined, 'group secrets decrypt')
    const noPsk = new Uint8Array(impl.kdf.size)
    const info = await decryptGroupInfo(w.welcome, secrets.joinerSecret, noPsk, impl)
    assert.ok(info !== undefined, 'group info decrypts')
    assert.ok(await verifyGroupInfoSignature(info, hex(v.signer_pub), impl.signature), 'signature')
    assert.ok(
      await verifyGroupInfoConfirmationTag(info, secrets.joinerSecret, noPsk, impl),
      'confirmation tag',
    )
  })
})

interface ProtectionVector {
  cipher_suite: number
  group_id: string
  epoch: number
  tree_hash: string
  confirmed_transcript_hash: string
  signature_priv: string
  signature_pub: string
  encryption_secret: string
  sender_data_secret: string
  membership_key: string
  proposal: string
  proposal_pub: string
  proposal_priv: string
  commit: string
  commit_pub: string
  commit_priv: string
  application: string
  application_priv: string
}

/** Two leaves, the sender (leaf 1) non-blank, so sender-data checks pass (RFC 9420 §6.3.2). */
function twoLeafTree(signaturePub: Uint8Array): RatchetTree {
  const leaf = {
    leafNodeSource: 'commit' as const,
    hpkePublicKey: new Uint8Array(),
    signaturePublicKey: signaturePub,
    capabilities: defaultCapabilities(),
    parentHash: new Uint8Array(),
    extensions: [],
    signature: new Uint8Array(),
    credential: { credentialType: 'basic' as const, identity: new Uint8Array() },
  }
  return [undefined, undefined, { nodeType: 'leaf', leaf }]
}

/** The vector's private signing key at the fixed length the library wants (see fixedLengthKey). */
function signingKey(v: ProtectionVector): Uint8Array {
  return fixedLengthKey(v.cipher_suite, v.signature_priv)
}

interface Protection {
  v: ProtectionVector
  suite: GroupSuite
  gc: GroupContext
  tree: RatchetTree
}

async function openPrivate(p: Protection, msg: Uint8Array | MLSMessage) {
  const m = msg instanceof Uint8Array ? decodeWhole(msg, 'private message') : msg
  assert.ok(m.wireformat === 'mls_private_message')
  const secretTree = await createSecretTree(2, hex(p.v.encryption_secret), p.suite.impl.kdf)
  const r = await unprotectPrivateMessage(
    hex(p.v.sender_data_secret),
    m.privateMessage,
    secretTree,
    p.tree,
    p.gc,
    defaultKeyRetentionConfig,
    p.suite.impl,
    hex(p.v.signature_pub),
  )
  return r.content.content
}

async function openPublic(p: Protection, msg: Uint8Array | MLSMessage) {
  const m = msg instanceof Uint8Array ? decodeWhole(msg, 'public message') : msg
  assert.ok(m.wireformat === 'mls_public_message')
  const r = await unprotectPublicMessage(
    hex(p.v.membership_key),
    p.gc,
    p.tree,
    m.publicMessage,
    p.suite.impl,
    hex(p.v.signature_pub),
  )
  return r.content
}

const asPrivate = (privateMessage: PrivateMessage): MLSMessage => ({
  version: 'mls10',
  wireformat: 'mls_private_message',
  privateMessage,
})

async function proposalCases(p: Protection): Promise<void> {
  const { v, suite, gc } = p
  const raw = decodeProposal(hex(v.proposal), 0)![0]
  const fromPub = await openPublic(p, hex(v.proposal_pub))
  assert.ok(fromPub.contentType === 'proposal', 'proposal_pub is a proposal')
  assert.equal(toHex(encodeProposal(fromPub.proposal)), v.proposal, 'proposal_pub content')
  const pub = await protectProposalPublic(
    signingKey(v),
    hex(v.membership_key),
    gc,
    new Uint8Array(),
    raw,
    1,
    suite.impl,
  )
  const again = await openPublic(p, {
    version: 'mls10',
    wireformat: 'mls_public_message',
    publicMessage: pub.publicMessage,
  })
  assert.ok(
    again.contentType === 'proposal' && toHex(encodeProposal(again.proposal)) === v.proposal,
    'our public proposal',
  )
  const fromPriv = await openPrivate(p, hex(v.proposal_priv))
  assert.ok(
    fromPriv.contentType === 'proposal' && toHex(encodeProposal(fromPriv.proposal)) === v.proposal,
    'proposal_priv',
  )
  const secretTree = await createSecretTree(2, hex(v.encryption_secret), suite.impl.kdf)
  const priv = await protectProposal(
    signingKey(v),
    hex(v.sender_data_secret),
    raw,
    new Uint8Array(),
    gc,
    secretTree,
    1,
    defaultPaddingConfig,
    suite.impl,
  )
  const mine = await openPrivate(p, asPrivate(priv.privateMessage))
  assert.ok(
    mine.contentType === 'proposal' && toHex(encodeProposal(mine.proposal)) === v.proposal,
    'our private proposal',
  )
}

async function commitCases(p: Protection): Promise<void> {
  const { v, suite, gc } = p
  const raw = decodeCommit(hex(v.commit), 0)![0]
  const fromPub = await openPublic(p, hex(v.commit_pub))
  assert.ok(
    fromPub.contentType === 'commit' && toHex(encodeCommit(fromPub.commit)) === v.commit,
    'commit_pub',
  )
  const fromPriv = await openPrivate(p, hex(v.commit_priv))
  assert.ok(
    fromPriv.contentType === 'commit' && toHex(encodeCommit(fromPriv.commit)) === v.commit,
    'commit_priv',
  )
  // The confirmation tag is not checked by protection; any MAC-sized value will do (spec: "populated").
  const confirmationTag = new Uint8Array(suite.impl.kdf.size).fill(7)
  for (const wireformat of ['mls_public_message', 'mls_private_message'] as const) {
    const signed = await createContentCommitSignature(
      gc,
      wireformat,
      raw,
      { senderType: 'member', leafIndex: 1 },
      new Uint8Array(),
      signingKey(v),
      suite.impl.signature,
    )
    const auth = { contentType: 'commit' as const, signature: signed.signature, confirmationTag }
    if (wireformat === 'mls_public_message') {
      const content: AuthenticatedContent = { wireformat, content: signed.framedContent, auth }
      const pm = await protectPublicMessage(hex(v.membership_key), gc, content, suite.impl)
      const back = await openPublic(p, { version: 'mls10', wireformat, publicMessage: pm })
      assert.ok(
        back.contentType === 'commit' && toHex(encodeCommit(back.commit)) === v.commit,
        'our public commit',
      )
    } else {
      const secretTree = await createSecretTree(2, hex(v.encryption_secret), suite.impl.kdf)
      const r = await protect(
        hex(v.sender_data_secret),
        new Uint8Array(),
        gc,
        secretTree,
        { ...signed.framedContent, auth },
        1,
        defaultPaddingConfig,
        suite.impl,
      )
      const back = await openPrivate(p, asPrivate(r.privateMessage))
      assert.ok(
        back.contentType === 'commit' && toHex(encodeCommit(back.commit)) === v.commit,
        'our private commit',
      )
    }
  }
}

async function applicationCases(p: Protection): Promise<void> {
  const { v, suite, gc } = p
  const fromPriv = await openPrivate(p, hex(v.application_priv))
  assert.ok(
    fromPriv.contentType === 'application' && toHex(fromPriv.applicationData) === v.application,
    'application_priv',
  )
  const secretTree = await createSecretTree(2, hex(v.encryption_secret), suite.impl.kdf)
  const r = await protectApplicationData(
    signingKey(v),
    hex(v.sender_data_secret),
    hex(v.application),
    new Uint8Array(),
    gc,
    secretTree,
    1,
    defaultPaddingConfig,
    suite.impl,
  )
  const back = await openPrivate(p, asPrivate(r.privateMessage))
  assert.ok(
    back.contentType === 'application' && toHex(back.applicationData) === v.application,
    'our private application',
  )
  // RFC 9420 §6.2: application data is never sent as a PublicMessage.
  const content = {
    wireformat: 'mls_public_message',
    content: { ...fromPriv, sender: { senderType: 'member', leafIndex: 1 } },
    auth: { contentType: 'application', signature: new Uint8Array(64) },
  } as unknown as AuthenticatedContent
  await assert.rejects(
    protectPublicMessage(hex(v.membership_key), gc, content, suite.impl),
    'public application refused',
  )
  // And a flipped bit in application_priv does not open.
  const bad = hex(v.application_priv)
  bad[bad.length - 1]! ^= 1
  await assert.rejects(openPrivate(p, bad), 'tampered application_priv refused')
}

void test('MLS vectors message-protection.json', async (t) => {
  await runVectors<ProtectionVector>(t, 'message-protection.json', async (v) => {
    const suite = await suiteFor(v.cipher_suite)
    const gc: GroupContext = {
      version: 'mls10',
      cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId),
      groupId: hex(v.group_id),
      epoch: BigInt(v.epoch),
      treeHash: hex(v.tree_hash),
      confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
      extensions: [],
    }
    const p: Protection = { v, suite, gc, tree: twoLeafTree(hex(v.signature_pub)) }
    await proposalCases(p)
    await commitCases(p)
    await applicationCases(p)
  })
})
