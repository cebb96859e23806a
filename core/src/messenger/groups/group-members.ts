/**
 * Group members as the messenger sees them: each leaf mapped to a contact (or a held contact) by
 * the identity key its member credential carries, the key the safety number verifies.
 */
import { toBase64Url } from '../../crypto/bytes.ts'
import { verifyMemberCredential } from '../../groups/credential.ts'
import { membersOf, ownLeaf, type Group } from '../../groups/mls.ts'
import type { GroupManagerIo } from './group-manager-io.ts'

type IdentityLookup = Pick<GroupManagerIo, 'contactOfIdentity' | 'heldOfIdentity'>

export interface MemberByContact {
  leaf: number
  self: boolean
  /** The contact this member is (accepted and unblocked), if any. */
  contact: string | undefined
  /** The contact whose key change is not accepted yet, if this member is one. */
  heldBy: string | undefined
  /** The member's identity key, base64url (undefined: its credential did not verify). */
  keyId: string | undefined
}

/**
 * The identity key of a member credential, or undefined when it does not verify. Not against the
 * clock: the leaf entered the tree through the same check without time (credential.ts), and who
 * sent a text, who removed whom or whether a mailbox move is an admin's must read alike for every
 * member whenever they read it, also after the member's certificate expired (rg-3b).
 */
export function identityOfMember(
  credential: Uint8Array,
  signatureKey: Uint8Array,
): Uint8Array | undefined {
  try {
    return verifyMemberCredential(credential, signatureKey, undefined).identityKey
  } catch {
    return undefined
  }
}

export function membersByContact(io: IdentityLookup, group: Group): MemberByContact[] {
  const own = ownLeaf(group)
  return membersOf(group).map((m) => {
    const identity = identityOfMember(m.credential, m.signatureKey)
    const contact = identity === undefined ? undefined : io.contactOfIdentity(identity)
    const held = identity === undefined ? undefined : io.heldOfIdentity?.(identity)
    return {
      leaf: m.leaf,
      self: m.leaf === own,
      contact,
      heldBy: contact === undefined ? held : undefined,
      keyId: identity === undefined ? undefined : toBase64Url(identity),
    }
  })
}
