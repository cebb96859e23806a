/**
 * What a commit changes, as the group's own rules (roles-policy.ts) read it: who commits and each
 * proposal it applies, in library-free terms. Part of the door to MLS with mls.ts (ADR 0130): only
 * this file and mls.ts know the library's proposal shapes.
 */
import type { IncomingMessageCallback, Proposal } from 'ts-mls'
import { toProtocolError } from './mls-errors.ts'

/** A group context extension: its type (RFC 9420 §17.3) and bytes. */
export interface GroupExtension {
  readonly type: number
  readonly data: Uint8Array
}

/** One proposal a commit applies; `sender`: the leaf that proposed it (the committer, inline). */
export type CommitProposal =
  | { kind: 'add'; sender: number | undefined; credential: Uint8Array }
  | { kind: 'remove'; sender: number | undefined; leaf: number }
  | { kind: 'extensions'; sender: number | undefined; extensions: readonly GroupExtension[] }
  | { kind: 'other'; sender: number | undefined; type: string }

export interface CommitInfo {
  /** The committer's leaf in the tree before the commit (undefined: not a member, e.g. external). */
  readonly committer: number | undefined
  readonly proposals: readonly CommitProposal[]
}

/**
 * A group's rule for commits: throws a ProtocolError to refuse one. Run by every member on every
 * commit it reads (before anything of it is applied) and by the committer on its own.
 */
export type CommitCheck = (info: CommitInfo) => void

/**
 * A group's rule for proposals read from its mailbox (sent by reference for someone to commit):
 * throws a ProtocolError to refuse one, which is then not kept for any commit.
 */
export type ProposalCheck = (proposal: CommitProposal) => void

// RFC 9420 §17.3 numbers of the extension types ts-mls names.
const DEFAULT_EXTENSION_TYPES: Record<string, number> = {
  application_id: 1,
  ratchet_tree: 2,
  required_capabilities: 3,
  external_pub: 4,
  external_senders: 5,
}

export function commitProposalOf(p: Proposal, sender: number | undefined): CommitProposal {
  if (p.proposalType === 'add') {
    const credential = p.add.keyPackage.leafNode.credential
    const bytes = credential.credentialType === 'basic' ? credential.identity : new Uint8Array()
    return { kind: 'add', sender, credential: bytes }
  }
  if (p.proposalType === 'remove') return { kind: 'remove', sender, leaf: p.remove.removed }
  if (p.proposalType === 'group_context_extensions') {
    const extensions = p.groupContextExtensions.extensions.map((e) => ({
      type:
        typeof e.extensionType === 'number'
          ? e.extensionType
          : (DEFAULT_EXTENSION_TYPES[e.extensionType] ?? -1),
      data: e.extensionData,
    }))
    return { kind: 'extensions', sender, extensions }
  }
  return { kind: 'other', sender, type: String(p.proposalType) }
}

/**
 * The library asks before it applies a commit (its proposals known, nothing changed yet); a
 * refusal leaves the state as it was and is thrown as the rule's own typed error.
 */
export function commitRule(check: CommitCheck | undefined, proposalCheck?: ProposalCheck) {
  let refusal: unknown
  const callback: IncomingMessageCallback | undefined =
    check === undefined && proposalCheck === undefined
      ? undefined
      : (incoming) => {
          if (incoming.kind === 'proposal') {
            const { proposal, senderLeafIndex } = incoming.proposal
            try {
              proposalCheck?.(commitProposalOf(proposal, senderLeafIndex))
              return 'accept'
            } catch (err) {
              refusal = err
              return 'reject'
            }
          }
          if (check === undefined) return 'accept'
          const info: CommitInfo = {
            committer: incoming.senderLeafIndex,
            proposals: incoming.proposals.map((p) =>
              commitProposalOf(p.proposal, p.senderLeafIndex),
            ),
          }
          try {
            check(info)
            return 'accept'
          } catch (err) {
            refusal = err
            return 'reject'
          }
        }
  return {
    callback,
    throwIfRefused: () => {
      if (refusal !== undefined) throw toProtocolError(refusal, 'commit')
    },
  }
}
