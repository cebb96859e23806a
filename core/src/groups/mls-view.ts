/**
 * What a group state says, read without changing it (issue 20; part of the door to MLS with mls.ts,
 * ADR 0130): its epoch, tree, members, own leaf, context extensions and exporter secrets.
 */
import { mlsExporter, type ClientState } from 'ts-mls'
import { encodeRatchetTree } from 'ts-mls/ratchetTree.js'
import { treeHashRoot } from 'ts-mls/treeHash.js'
import type { LeafCredentialCheck } from './credential.ts'
import type { GroupSuite } from './suite.ts'

/** One member's view of a group at one epoch. */
export interface Group {
  readonly suite: GroupSuite
  readonly checker: LeafCredentialCheck
  /** External PSKs by base64 id (RFC 9420 §8.4). Hestia uses none; the interop vectors do. */
  readonly externalPsks?: Readonly<Record<string, Uint8Array>>
  readonly state: ClientState
}

/** A group context extension of the current epoch (undefined when the group has none of it). */
export function extensionOf(group: Group, type: number): Uint8Array | undefined {
  const found = group.state.groupContext.extensions.find((e) => e.extensionType === type)
  return found?.extensionData
}

export function epochOf(group: Group): bigint {
  return group.state.groupContext.epoch
}

/** The tree hash of the current epoch: equal for every member in the same epoch. */
export function treeHashOf(group: Group): Uint8Array {
  return group.state.groupContext.treeHash
}

/** RFC 9420 §8.7 epoch_authenticator: compare out of band to detect a split group. */
export function epochAuthenticatorOf(group: Group): Uint8Array {
  return group.state.keySchedule.epochAuthenticator
}

export function isActive(group: Group): boolean {
  return group.state.groupActiveState.kind === 'active'
}

export function groupIdOf(group: Group): Uint8Array {
  return group.state.groupContext.groupId
}

export function ownLeaf(group: Group): number {
  return group.state.privatePath.leafIndex
}

/** RFC 9420 §8.5 MLS-Exporter. */
export function exportSecret(
  group: Group,
  label: string,
  context: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  return mlsExporter(
    group.state.keySchedule.exporterSecret,
    label,
    context,
    length,
    group.suite.impl,
  )
}

/** Members as (leaf index, credential bytes, signature key); blank leaves are skipped. */
export function membersOf(
  group: Group,
): { leaf: number; credential: Uint8Array; signatureKey: Uint8Array }[] {
  const out: { leaf: number; credential: Uint8Array; signatureKey: Uint8Array }[] = []
  group.state.ratchetTree.forEach((node, i) => {
    if (node?.nodeType !== 'leaf' || node.leaf.credential.credentialType !== 'basic') return
    out.push({
      leaf: i / 2,
      credential: node.leaf.credential.identity,
      signatureKey: node.leaf.signaturePublicKey,
    })
  })
  return out
}

export function memberCount(group: Group): number {
  return membersOf(group).length
}

/** Recomputes the tree hash from the tree itself (a check that the state is self-consistent). */
export async function computeTreeHash(group: Group): Promise<Uint8Array> {
  return treeHashRoot(group.state.ratchetTree, group.suite.impl.hash)
}

export function encodeTree(group: Group): Uint8Array {
  return encodeRatchetTree(group.state.ratchetTree)
}
