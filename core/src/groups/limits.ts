/**
 * Every limit of the group layer in one place (cited in docs/protocol/groups.md). Anything a
 * member or the home relay can drive is capped here.
 */
import { KiB } from '../wire/caps.ts'

export const GROUP_FORMAT_VERSION = 1

/** RFC 9420 ciphersuite 0x0001: DHKEM(X25519), AES-128-GCM, SHA-256, Ed25519 (ADR 0130). */
export const GROUP_CIPHERSUITE = 0x0001

export const GROUP_LIMITS = {
  /** Leaves (devices) in one group. One commit at 200 took ~0.4 s here (FINDINGS, ADR 0130). */
  maxMembers: 200,
  /**
   * One GroupFrame on the wire. The biggest frame is a welcome whose GroupInfo carries the whole
   * ratchet tree (RFC 9420 §12.4.3.3): at 200 members with our ~0.3 KiB credentials it stays well
   * under this (measured in groups.test.ts).
   */
  maxFrameBytes: 512 * KiB,
  /** Application data in one MLS message (the same body cap as 1:1 messages). */
  maxApplicationBytes: 60 * KiB,
  /** Proposals a member keeps for the next commit before it refuses more. */
  maxPendingProposals: 64,
  /** An encoded MemberCredential: a device certificate (≤ 1 KiB) plus two keys' worth. */
  maxCredentialBytes: 2 * KiB,
} as const
