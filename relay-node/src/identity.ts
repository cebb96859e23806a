/**
 * The relay's persistent Ed25519 libp2p identity, kept in DATA/identity.key (0600), and key rotation:
 * `rotate` writes DATA/identity.next.key plus DATA/rotation.json; during the grace period the relay
 * runs the next identity on its own listeners beside the current one and announces both (relay.json,
 * the mailbox `info` request); once the grace period has passed, the next start promotes the next key
 * and deletes the old one. docs/relay/OPERATIONS.md describes how clients follow.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const IDENTITY_FILE = 'identity.key'
export const NEXT_IDENTITY_FILE = 'identity.next.key'
export const ROTATION_FILE = 'rotation.json'

export interface RotationState {
  nextPeerId: string
  startedAt: number
  graceUntil: number
}

export class IdentityFileError extends Error {
  override readonly name = 'IdentityFileError'
  readonly code = 'identity_file'
}

function readKey(path: string): PrivateKey {
  const mode = statSync(path).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new IdentityFileError(
      `${path} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`,
    )
  }
  return privateKeyFromProtobuf(readFileSync(path))
}

function writeKey(path: string, key: PrivateKey): void {
  // 'wx': never overwrite an existing identity by accident.
  writeFileSync(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
}

export async function loadOrCreateIdentity(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE)
  if (existsSync(path)) return readKey(path)
  const key = await generateKeyPair('Ed25519')
  writeKey(path, key)
  return key
}

export function readRotation(
  dataDir: string,
): { state: RotationState; key: PrivateKey } | undefined {
  const statePath = join(dataDir, ROTATION_FILE)
  const keyPath = join(dataDir, NEXT_IDENTITY_FILE)
  if (!existsSync(statePath) || !existsSync(keyPath)) return undefined
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as RotationState
  return { state, key: readKey(keyPath) }
}

/** Starts a rotation: a new key becomes "next" and takes over after `graceMs`. */
export async function beginRotation(
  dataDir: string,
  now: number,
  graceMs: number,
): Promise<{ state: RotationState; key: PrivateKey }> {
  if (readRotation(dataDir) !== undefined) {
    throw new IdentityFileError('a key rotation is already in progress; wait for it to complete')
  }
  const key = await generateKeyPair('Ed25519')
  writeKey(join(dataDir, NEXT_IDENTITY_FILE), key)
  const state: RotationState = {
    nextPeerId: peerIdFromPrivateKey(key).toString(),
    startedAt: now,
    graceUntil: now + graceMs,
  }
  writeFileSync(join(dataDir, ROTATION_FILE), JSON.stringify(state, null, 2) + '\n', {
    mode: 0o600,
  })
  return { state, key }
}

/** If the grace period is over, the next key replaces the current one. Returns true if it did. */
export function promoteIfDue(dataDir: string, now: number): boolean {
  const rotation = readRotation(dataDir)
  if (rotation === undefined || now < rotation.state.graceUntil) return false
  // rename is atomic: at every instant identity.key is a complete key, old or new.
  renameSync(join(dataDir, NEXT_IDENTITY_FILE), join(dataDir, IDENTITY_FILE))
  rmSync(join(dataDir, ROTATION_FILE))
  return true
}
