/**
 * Adds are committed in batches whose commit fits one group mailbox deposit (the largest padded
 * bucket, 64 KiB), because the relay orders a commit by the single deposit that carries it
 * (ADR 0133). An add-only commit carries no path (RFC 9420 §12.4; ts-mls adds none for adds with
 * new group context extensions either), so its size is the key packages plus a bounded overhead:
 * a batch takes key packages while their sum stays under the budget. At ~0.6 KB per key package a
 * batch holds about a hundred, so filling a 200-member group at once takes two or three commits
 * instead of one of 117 KB.
 *
 * In a group with roles (ADR 0135) every add commit also carries the new roles extension, which
 * lists every person after the commit (33 bytes each) and the name: up to ~7 KB at 200 members,
 * more than the overhead reserved for framing. `addBatchesFor` reserves room for it.
 */
import { PIECE_CHUNK_BYTES } from './mailbox-pieces.ts'
import { extensionOf, type Group } from './mls.ts'
import { ROLES_EXTENSION_TYPE } from './roles.ts'

/** Framing, the commit's own fields, signature, confirmation tag and AEAD overhead, generously. */
export const ADD_COMMIT_OVERHEAD_BYTES = 2048
/** Per add proposal beyond its key package: proposal type and length prefixes. */
const PER_ADD_BYTES = 16
/** One person in the roles extension: identity key (32) and role (1) (roles.ts). */
export const ROLE_ENTRY_BYTES = 33
/**
 * A group context extensions proposal around the roles: proposal type (2), the extensions
 * vector's length (up to 4), extension type (2) and the data's length (up to 4), rounded up.
 */
const EXTENSIONS_PROPOSAL_BYTES = 16

/**
 * What each commit carries besides its adds: `fixed` once, and `perAdd` for each key package of
 * its batch and of every batch before it (the roles list everyone added so far).
 */
export interface CommitReserve {
  readonly fixed: number
  readonly perAdd: number
}

const NO_RESERVE: CommitReserve = { fixed: 0, perAdd: 0 }

export function addBatches(
  keyPackages: readonly Uint8Array[],
  budget: number = PIECE_CHUNK_BYTES - ADD_COMMIT_OVERHEAD_BYTES,
  reserve: CommitReserve = NO_RESERVE,
): Uint8Array[][] {
  const batches: Uint8Array[][] = []
  let current: Uint8Array[] = []
  // What every commit from here on carries for the batches before it.
  let carried = reserve.fixed
  let size = carried
  for (const kp of keyPackages) {
    const cost = kp.length + PER_ADD_BYTES + reserve.perAdd
    if (size + cost > budget && current.length > 0) {
      batches.push(current)
      carried += current.length * reserve.perAdd
      current = []
      size = carried
    }
    if (size + cost > budget)
      throw new RangeError(`a key package of ${kp.length} bytes fits no commit`)
    current.push(kp)
    size += cost
  }
  if (current.length > 0) batches.push(current)
  return batches
}

/**
 * The room a commit adding to `group` needs besides its adds: nothing for a group without roles;
 * in a roles group, the roles as they are now (their name and every listed person: the new roles
 * list no one who is not in them or added, ADR 0135) and one entry per added key package (a new
 * device of a listed person adds none, so this is an upper bound).
 */
export function addReserveFor(group: Group): CommitReserve {
  const roles = extensionOf(group, ROLES_EXTENSION_TYPE)
  if (roles === undefined) return NO_RESERVE
  return { fixed: EXTENSIONS_PROPOSAL_BYTES + roles.length, perAdd: ROLE_ENTRY_BYTES }
}

/** `addBatches` for adding to `group`, with room for its roles extension in every commit. */
export function addBatchesFor(
  group: Group,
  keyPackages: readonly Uint8Array[],
  budget: number = PIECE_CHUNK_BYTES - ADD_COMMIT_OVERHEAD_BYTES,
): Uint8Array[][] {
  return addBatches(keyPackages, budget, addReserveFor(group))
}
