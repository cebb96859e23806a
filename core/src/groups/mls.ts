/**
 * The one door to MLS (RFC 9420). Everything Hestia does with groups goes through these functions;
 * only this file, its parts (mls-view.ts: reading a state; mls-decode.ts: messages from bytes;
 * mls-state.ts: a state to bytes) and credential-checker wiring know ts-mls, so the library can be
 * replaced (ADR 0130). What those parts export is exported here too: callers import mls.ts only.
 *
 * A Group is an immutable value: every operation returns the next one, and a message that fails
 * to process throws and leaves the caller's Group as it was (nothing to roll back).
 *
 *   const suite = await loadSuite()
 *   const alice = await createKeyPackage(suite, aliceCredential, aliceSigningKeys)
 *   let group = await createGroup(suite, checker, groupId, alice)
 *   const { group: next, commit, welcome } = await commitChanges(group, { add: [bobKeyPackage] })
 */
import {
  createApplicationMessage,
  createCommit,
  createGroup as mlsCreateGroup,
  createProposal,
  defaultCapabilities,
  defaultLifetime,
  makePskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processPrivateMessage,
  processPublicMessage,
  type ClientConfig,
  type ClientState,
  type KeyPackage,
  type PrivateKeyPackage,
  type Proposal,
  type PskIndex,
  type RatchetTree,
} from 'ts-mls'
import { defaultClientConfig } from 'ts-mls/clientConfig.js'
import { decryptSenderData } from 'ts-mls/privateMessage.js'
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js'
import type { KeyPair } from '../crypto/primitives.ts'
import { ProtocolError } from '../wire/errors.ts'
import type { LeafCredentialCheck } from './credential.ts'
import { GROUP_LIMITS } from './limits.ts'
import {
  commitProposalOf,
  commitRule,
  type CommitCheck,
  type GroupExtension,
  type ProposalCheck,
} from './commit-info.ts'
import { ROLES_EXTENSION_TYPE } from './roles.ts'
import type { GroupSuite } from './suite.ts'
import { toProtocolError } from './mls-errors.ts'
import { decodeKeyPackage, decodeMessage } from './mls-decode.ts'
import { memberCount, ownLeaf, type Group } from './mls-view.ts'

export { loadSuite, type GroupSuite } from './suite.ts'
export type { CommitCheck, CommitInfo, GroupExtension, ProposalCheck } from './commit-info.ts'
export {
  computeTreeHash,
  encodeTree,
  epochAuthenticatorOf,
  epochOf,
  exportSecret,
  extensionOf,
  groupIdOf,
  isActive,
  memberCount,
  membersOf,
  ownLeaf,
  treeHashOf,
  type Group,
} from './mls-view.ts'
export { keyPackageLeaf, peekMessage } from './mls-decode.ts'

/** Group context extensions of Hestia's own that every leaf declares it supports (RFC 9420 §7.2). */
const OWN_EXTENSION_TYPES = [ROLES_EXTENSION_TYPE]

/** A KeyPackage (RFC 9420 §10) to hand out, and the private keys its owner keeps to join. */
export interface KeyPackageBundle {
  /** MLSMessage bytes (wire format mls_key_package): what travels to whoever adds us. */
  readonly bytes: Uint8Array
  readonly publicPackage: KeyPackage
  readonly privatePackage: PrivateKeyPackage
}

/**
 * Makes a KeyPackage for a device: `credential` is its MemberCredential bytes, `signing` the
 * Ed25519 key pair that credential binds (the same for every KeyPackage of the device).
 */
export async function createKeyPackage(
  suite: GroupSuite,
  credential: Uint8Array,
  signing: KeyPair,
): Promise<KeyPackageBundle> {
  const capabilities = defaultCapabilities()
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity: credential },
    { ...capabilities, extensions: [...capabilities.extensions, ...OWN_EXTENSION_TYPES] },
    defaultLifetime,
    [],
    { signKey: signing.secretKey, publicKey: signing.publicKey },
    suite.impl,
  )
  const bytes = encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_key_package',
    keyPackage: publicPackage,
  })
  return { bytes, publicPackage, privatePackage }
}

/** The library configuration of a group: our credential check decides who may be a leaf. */
export function clientConfig(checker: LeafCredentialCheck): ClientConfig {
  return {
    ...defaultClientConfig,
    authService: {
      // ts-mls calls this for every leaf it accepts (RFC 9420 §5.3.1).
      validateCredential: (credential, signaturePublicKey) =>
        Promise.resolve(
          credential.credentialType === 'basic' &&
            checker.check(credential.identity, signaturePublicKey) !== undefined,
        ),
    },
  }
}

export async function createGroup(
  suite: GroupSuite,
  checker: LeafCredentialCheck,
  groupId: Uint8Array,
  own: KeyPackageBundle,
  extensions: readonly GroupExtension[] = [],
): Promise<Group> {
  const state = await mlsCreateGroup(
    groupId,
    own.publicPackage,
    own.privatePackage,
    extensions.map((e) => ({ extensionType: e.type, extensionData: e.data })),
    suite.impl,
    clientConfig(checker),
  )
  return { suite, checker, state }
}

/**
 * Changes for one commit. A commit with a remove, or an empty one, carries a fresh path for the
 * committer (RFC 9420 §12.4: required then); an add-only commit does not. An empty commit is the
 * periodic update that gives post-compromise security (RFC 9420 §16.6).
 */
export interface GroupChanges {
  add?: readonly Uint8Array[]
  remove?: readonly number[]
  /** New group context extensions (replacing all of them; RFC 9420 §12.1.7). */
  extensions?: readonly GroupExtension[]
  /**
   * Also commit, by reference, the members' pending proposals to remove themselves (read from the
   * mailbox in this epoch; ADR 0138). No other pending proposal is ever committed.
   */
  selfRemoves?: boolean
}

export interface CommitResult {
  /** The committer's state once the relay has ordered this commit first for its epoch. */
  readonly group: Group
  /** MLSMessage bytes of the commit (a PrivateMessage: the relay sees only group id and epoch). */
  readonly commit: Uint8Array
  /** MLSMessage bytes of the welcome for the added members (with the ratchet tree inside). */
  readonly welcome: Uint8Array | undefined
}

/**
 * Commits adds and removes (see GroupChanges for when it carries a fresh path). Throws
 * ProtocolError for a key package that does not verify or a group over the cap.
 */
export async function commitChanges(
  group: Group,
  changes: GroupChanges = {},
  check?: CommitCheck,
): Promise<CommitResult> {
  const adds = (changes.add ?? []).map((bytes) => freshKeyPackage(group, bytes))
  const pending = changes.selfRemoves === true ? selfRemoveProposals(group) : {}
  const leaving = new Set(Object.values(pending).map((p) => p.senderLeafIndex))
  const removes = (changes.remove ?? []).filter((leaf) => !leaving.has(leaf))
  const after = memberCount(group) + adds.length - removes.length - leaving.size
  if (after > GROUP_LIMITS.maxMembers) {
    throw new ProtocolError(
      'limit_exceeded',
      `a group holds at most ${GROUP_LIMITS.maxMembers} members`,
    )
  }
  const proposals: Proposal[] = [
    ...removes.map((leaf): Proposal => ({
      proposalType: 'remove',
      remove: { removed: leaf },
    })),
    ...adds.map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
    ...(changes.extensions === undefined ? [] : [extensionsProposal(changes.extensions)]),
  ]
  // Our own commit meets the rule every member applies to it, or it is not made.
  const own = ownLeaf(group)
  const byReference = Object.values(pending).map((p) =>
    commitProposalOf(p.proposal, p.senderLeafIndex),
  )
  const inline = proposals.map((p) => commitProposalOf(p, own))
  check?.({ committer: own, proposals: [...byReference, ...inline] })
  // The library commits every pending proposal it holds: hand it only those chosen.
  const state = { ...group.state, unappliedProposals: pending }
  const result = await guarded(group, 'commit', () =>
    createCommit(
      { state, cipherSuite: group.suite.impl },
      { extraProposals: proposals, ratchetTreeExtension: true },
    ),
  )
  return {
    group: { ...group, state: result.newState },
    commit: encodeMlsMessage(result.commit),
    welcome:
      result.welcome === undefined
        ? undefined
        : encodeMlsMessage({
            version: 'mls10',
            wireformat: 'mls_welcome',
            welcome: result.welcome,
          }),
  }
}

/**
 * A key package this device is about to add, its credential checked against the clock too (the
 * checker ts-mls calls ignores time so all members decide alike about commits; rg-3). Throws the
 * checker's ProtocolError ('expired', 'not_yet_valid', ...).
 */
function freshKeyPackage(group: Pick<Group, 'checker'>, bytes: Uint8Array): KeyPackage {
  const keyPackage = decodeKeyPackage(bytes)
  const { credential, signaturePublicKey } = keyPackage.leafNode
  // A credential that is not basic is refused by the library's own check (clientConfig).
  if (credential.credentialType !== 'basic') return keyPackage
  const checker = group.checker
  checker.lastRefusal = undefined
  if (checker.checkNow?.(credential.identity, signaturePublicKey) === undefined) {
    if (checker.checkNow === undefined) return keyPackage // a check without time (test vectors)
    throw checker.lastRefusal ?? new ProtocolError('malformed', 'member credential refused')
  }
  return keyPackage
}

function extensionsProposal(extensions: readonly GroupExtension[]): Proposal {
  return {
    proposalType: 'group_context_extensions',
    groupContextExtensions: {
      extensions: extensions.map((e) => ({ extensionType: e.type, extensionData: e.data })),
    },
  }
}

/** A proposal for whoever commits next (by reference, RFC 9420 §12.4). */
export async function proposeChange(
  group: Group,
  change: { add: Uint8Array } | { remove: number },
): Promise<{ group: Group; proposal: Uint8Array }> {
  const proposal: Proposal =
    'add' in change
      ? { proposalType: 'add', add: { keyPackage: freshKeyPackage(group, change.add) } }
      : { proposalType: 'remove', remove: { removed: change.remove } }
  if (Object.keys(group.state.unappliedProposals).length >= GROUP_LIMITS.maxPendingProposals) {
    throw new ProtocolError('limit_exceeded', 'too many pending proposals; commit first')
  }
  const r = await guarded(group, 'proposal', () =>
    createProposal(group.state, false, proposal, group.suite.impl),
  )
  return { group: { ...group, state: r.newState }, proposal: encodeMlsMessage(r.message) }
}

/** The pending proposals of members to remove themselves (by reference, this epoch). */
function selfRemoveProposals(group: Group): ClientState['unappliedProposals'] {
  return Object.fromEntries(
    Object.entries(group.state.unappliedProposals).filter(
      ([, p]) =>
        p.proposal.proposalType === 'remove' && p.proposal.remove.removed === p.senderLeafIndex,
    ),
  )
}

/** The leaves whose members proposed, in this epoch, to remove themselves (ADR 0138). */
export function pendingSelfRemoves(group: Group): number[] {
  return Object.values(selfRemoveProposals(group)).map((p) => p.senderLeafIndex!)
}

/** What a joiner may need besides the welcome; Hestia's own welcomes carry the tree inside. */
export interface JoinOptions {
  /** The ratchet tree (RFC 9420 §12.4.3.3 encoding) when the welcome does not carry it. */
  ratchetTree?: Uint8Array
  externalPsks?: Readonly<Record<string, Uint8Array>>
}

/** Joins from a welcome addressed to `own`. */
export async function joinFromWelcome(
  suite: GroupSuite,
  checker: LeafCredentialCheck,
  welcome: Uint8Array,
  own: KeyPackageBundle,
  opts: JoinOptions = {},
): Promise<Group> {
  const message = decodeMessage(welcome)
  if (message.wireformat !== 'mls_welcome') {
    throw new ProtocolError('malformed', 'expected an MLS welcome')
  }
  const tree = opts.ratchetTree === undefined ? undefined : decodeTree(opts.ratchetTree)
  const psks = opts.externalPsks ?? {}
  const state = await guarded({ checker }, 'welcome', () =>
    joinGroup(
      message.welcome,
      own.publicPackage,
      own.privatePackage,
      makePskIndex(undefined, psks),
      suite.impl,
      tree,
      undefined,
      clientConfig(checker),
    ),
  )
  return { suite, checker, state, externalPsks: opts.externalPsks }
}

function decodeTree(bytes: Uint8Array): RatchetTree {
  let decoded: [RatchetTree, number] | undefined
  try {
    decoded = decodeRatchetTree(bytes, 0)
  } catch (err) {
    throw new ProtocolError('malformed', 'ratchet tree does not decode', { cause: err })
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new ProtocolError('malformed', 'ratchet tree does not decode (or has trailing bytes)')
  }
  return decoded[0]
}

/** Encrypts application data for the current epoch (a PrivateMessage). */
export async function encryptMessage(
  group: Group,
  data: Uint8Array,
): Promise<{ group: Group; message: Uint8Array }> {
  if (data.length > GROUP_LIMITS.maxApplicationBytes) {
    throw new ProtocolError(
      'oversize',
      `group message longer than ${GROUP_LIMITS.maxApplicationBytes} bytes`,
    )
  }
  // A pending self-removal (ADR 0138) holds nothing back: until it is committed the leaver is a
  // member and reads, as it did before proposals (ts-mls refuses to send with any pending).
  const { unappliedProposals } = group.state
  const r = await guarded(group, 'encrypt', () =>
    createApplicationMessage({ ...group.state, unappliedProposals: {} }, data, group.suite.impl),
  )
  const message = encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_private_message',
    privateMessage: r.privateMessage,
  })
  return { group: { ...group, state: { ...r.newState, unappliedProposals } }, message }
}

/** The member that sent an application message (its leaf in the sending epoch). */
export interface MessageSender {
  leaf: number
  credential: Uint8Array
  signatureKey: Uint8Array
}

export type Processed =
  | { kind: 'application'; group: Group; data: Uint8Array; epoch: bigint; sender: MessageSender }
  | { kind: 'proposal'; group: Group }
  | { kind: 'commit'; group: Group; removed: boolean }

/**
 * Processes one MLS message from the group (proposal, commit or application data). Throws
 * ProtocolError and leaves `group` unchanged for anything that does not verify or decrypt.
 */
export async function processMessage(
  group: Group,
  bytes: Uint8Array,
  check?: CommitCheck,
  proposalCheck?: ProposalCheck,
): Promise<Processed> {
  const message = decodeMessage(bytes)
  const rule = commitRule(check, proposalCheck)
  if (message.wireformat === 'mls_private_message') {
    const epoch = message.privateMessage.epoch
    const r = await guarded(group, 'message', () =>
      processPrivateMessage(
        group.state,
        message.privateMessage,
        pskIndex(group),
        group.suite.impl,
        rule.callback,
      ),
    )
    rule.throwIfRefused()
    const next = { ...group, state: r.newState }
    if (r.kind === 'applicationMessage') {
      const sender = await senderOf(group, message.privateMessage)
      return { kind: 'application', group: next, data: r.message, epoch, sender }
    }
    return classify(group, next)
  }
  if (message.wireformat === 'mls_public_message') {
    const r = await guarded(group, 'message', () =>
      processPublicMessage(
        group.state,
        message.publicMessage,
        pskIndex(group),
        group.suite.impl,
        rule.callback,
      ),
    )
    rule.throwIfRefused()
    return classify(group, { ...group, state: r.newState })
  }
  throw new ProtocolError('malformed', `not a group message: ${message.wireformat}`)
}

/**
 * The leaf that sent a group message (a commit's committer), read before it is processed, in the
 * tree of its epoch; undefined when it names no member or cannot be read (processing refuses it).
 */
export async function senderLeafOf(group: Group, bytes: Uint8Array): Promise<number | undefined> {
  try {
    const m = decodeMessage(bytes)
    if (m.wireformat === 'mls_public_message') {
      const s = m.publicMessage.content.sender
      return s.senderType === 'member' ? s.leafIndex : undefined
    }
    if (m.wireformat === 'mls_private_message')
      return (await senderOf(group, m.privateMessage)).leaf
  } catch {
    // Not readable: whoever processes it refuses it with a typed error.
  }
  return undefined
}

/**
 * The sender of a private message that just processed (so its signature over the content verified
 * with this leaf's key): its sender data names the leaf, in the tree of the message's epoch.
 */
async function senderOf(
  group: Group,
  pm: Parameters<typeof decryptSenderData>[0],
): Promise<MessageSender> {
  const current = pm.epoch === group.state.groupContext.epoch
  const old = group.state.historicalReceiverData.get(pm.epoch)
  const secret = current ? group.state.keySchedule.senderDataSecret : old?.senderDataSecret
  const tree = current ? group.state.ratchetTree : old?.ratchetTree
  const data =
    secret === undefined ? undefined : await decryptSenderData(pm, secret, group.suite.impl)
  const node = data === undefined ? undefined : tree?.[data.leafIndex * 2]
  if (
    data === undefined ||
    node?.nodeType !== 'leaf' ||
    node.leaf.credential.credentialType !== 'basic'
  )
    throw new ProtocolError('malformed', 'the sender of a group message is not a member')
  return {
    leaf: data.leafIndex,
    credential: node.leaf.credential.identity,
    signatureKey: node.leaf.signaturePublicKey,
  }
}

function pskIndex(group: Group): PskIndex {
  return makePskIndex(group.state, group.externalPsks ?? {})
}

function classify(before: Group, after: Group): Processed {
  // A commit that removes us keeps the old epoch (we cannot derive the next one, RFC 9420 §12.4.2).
  if (after.state.groupActiveState.kind === 'removedFromGroup') {
    return { kind: 'commit', group: after, removed: true }
  }
  if (after.state.groupContext.epoch === before.state.groupContext.epoch) {
    // Peers drive this count: cap it here, the refused proposal leaves `before` as it was.
    if (Object.keys(after.state.unappliedProposals).length > GROUP_LIMITS.maxPendingProposals) {
      throw new ProtocolError('limit_exceeded', 'too many pending proposals in this epoch')
    }
    return { kind: 'proposal', group: after }
  }
  return { kind: 'commit', group: after, removed: false }
}

/** Runs a library call; its errors (and a credential refusal behind one) become ProtocolError. */
async function guarded<T>(
  group: Pick<Group, 'checker'>,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  group.checker.lastRefusal = undefined
  try {
    return await fn()
  } catch (err) {
    throw toProtocolError(err, what, group.checker.lastRefusal)
  }
}
