/**
 * A test-only modified client: it speaks Hestia's wire formats (PQXDH, the ratchet, sealed
 * mailbox deposits) but chooses its own identities, devices, certificates and payloads, the way an
 * attacker with a patched extension would. It deposits straight into a victim's mailbox on the
 * relay with a deposit address (mailbox id, capability, seal key) it learnt as a contact or from a
 * leaked invite. Nothing here is used by the product.
 *
 * Used by tests/integration/hostile-peer.test.ts (others may read it).
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { fromBase64Url } from '@hestia/core/crypto/bytes.ts'
import { encodeFileShare } from '@hestia/core/crypto/codecs.ts'
import {
  createDeviceKeys,
  createIdentity,
  identityFromSecret,
  issueDeviceCert,
  type IdentityKeyPair,
} from '@hestia/core/crypto/identity.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { initiateSession, type LocalDevice } from '@hestia/core/crypto/pqxdh.ts'
import { verifyPrekeyBundle, type VerifiedBundle } from '@hestia/core/crypto/prekeys.ts'
import { sealForMailbox } from '@hestia/core/crypto/sealed-envelope.ts'
import type { Session } from '@hestia/core/crypto/session.ts'
import { encodeOffer } from '@hestia/core/files/codec.ts'
import { FILE_LIMITS } from '@hestia/core/files/limits.ts'
import { MailboxClient } from '@hestia/core/mailbox/client.ts'
import { MAILBOX_PROTOCOL } from '@hestia/core/mailbox/constants.ts'
import { decodeOutbound } from '@hestia/core/messenger/index.ts'
import { loadLocalIdentity, prekeyBundle } from '@hestia/core/messenger/identity.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { encodePayload, type HelloBody, type Payload } from '@hestia/core/messenger/payload.ts'
import { decodeSecrets } from '@hestia/core/messenger/secrets.ts'
import type { MessengerNode } from '@hestia/core/messenger/index.ts'
import { createTestNode, type TestPeer } from './messenger-harness.ts'

const platform = systemPlatform
const DAY = 86_400_000

/** Where the victim takes deposits for one relationship, and the victim's bundle there. */
export interface Target {
  deposit: HelloBody
  bundle: VerifiedBundle
}

/** One device the attacker controls: its certificate names whichever identity it likes. */
export interface HostileDevice {
  identity: IdentityKeyPair
  device: LocalDevice
  /** The device's PeerId string (what the victim stores as the sender device). */
  deviceId: string
}

export function newIdentity(): IdentityKeyPair {
  return createIdentity(platform.random)
}

/**
 * The identity key pair of `peer` itself, read from its store: a hostile contact holds its own
 * identity key and can certify as many devices as it likes.
 */
export async function identityOf(peer: TestPeer): Promise<IdentityKeyPair> {
  const record = await peer.store.getIdentity()
  if (record === undefined) throw new Error(`${peer.name} has no identity`)
  return identityFromSecret(decodeSecrets(record.secretKeys).identitySecret)
}

/**
 * A device certified by `identity`; `peerSeed` fixes the PeerId (the same device, re-certified);
 * `peerId` names any PeerId at all (someone else's device: the attacker lacks its libp2p key,
 * which mailbox deposits never need).
 */
export async function newDevice(
  identity: IdentityKeyPair,
  options: { serial?: number; peerSeed?: Uint8Array; peerId?: string } = {},
): Promise<HostileDevice> {
  const peerId =
    options.peerId !== undefined
      ? peerIdFromString(options.peerId)
      : peerIdFromPrivateKey(
          await generateKeyPairFromSeed('Ed25519', options.peerSeed ?? platform.random(32)),
        )
  const keys = createDeviceKeys(platform.random)
  const now = platform.clock()
  const cert = issueDeviceCert(identity, {
    deviceKey: keys.publicKey,
    peerId: peerIdBytes(peerId),
    issuedAt: now - 60_000,
    expiresAt: now + 30 * DAY,
    serial: options.serial ?? 0,
  })
  return { identity, device: { cert, keys }, deviceId: peerId.toString() }
}

/**
 * What `sender` knows about `victim` as a contact: the deposit address of the victim's mailbox for
 * the sender (from the sender's contact record) and the victim's current prekey bundle without a
 * one-time prekey (the part any invite of the victim carries).
 */
export async function targetOf(victim: TestPeer, sender: TestPeer): Promise<Target> {
  const [contact] = await sender.store.listContacts()
  const deposit = decodeOutbound(contact?.outboundMailbox ?? null)
  if (deposit === null) throw new Error(`${sender.name} has no deposit address`)
  const record = await victim.store.getIdentity()
  const { local, secrets } = loadLocalIdentity(record!, platform)
  const bundle = verifyPrekeyBundle(prekeyBundle(local, secrets), { now: platform.clock() })
  return { deposit, bundle }
}

export function text(body: string, sentAt = platform.clock()): Payload {
  return { messageId: platform.random(16), sentAt, body: { kind: 'text', text: body } }
}

export function hello(fields: Omit<HelloBody, 'reply'>, reply = false): Payload {
  return {
    messageId: platform.random(16),
    sentAt: platform.clock(),
    body: { kind: 'hello', hello: { ...fields, reply } },
  }
}

/** A file offer (name, size, a share record that matches it); nothing is ever served. */
export function fileOffer(name: string, size = 1_000): Payload {
  const transferId = platform.random(FILE_LIMITS.transferIdBytes)
  const shareRecord = encodeFileShare({
    fileId: transferId,
    key: platform.random(32),
    size,
    ciphertextSha256: platform.random(32),
  })
  return {
    messageId: platform.random(16),
    sentAt: platform.clock(),
    body: {
      kind: 'file_offer',
      offer: encodeOffer({ transferId, name, size, mimeType: 'text/plain', shareRecord }),
    },
  }
}

export function receipt(kind: 'delivered' | 'read', messageIds: string[]): Payload {
  return {
    messageId: platform.random(16),
    sentAt: platform.clock(),
    body: { kind: 'receipt', receipt: kind, messageIds: messageIds.map(fromBase64Url) },
  }
}

/** A session the attacker started with the victim; every frame carries the PQXDH header. */
export class HostileSession {
  readonly device: HostileDevice
  #session: Session | null = null
  readonly #target: Target

  constructor(device: HostileDevice, target: Target) {
    this.device = device
    this.#target = target
  }

  /** Encrypts one payload (the first one starts the session). */
  frame(payload: Payload): Uint8Array {
    const body = encodePayload(payload)
    if (this.#session === null) {
      const start = initiateSession({
        local: this.device.device,
        bundle: this.#target.bundle,
        body,
        platform,
      })
      this.#session = start.session
      return start.frame
    }
    return this.#session.encrypt(body).frame
  }
}

/** The attacker's network side: one libp2p node that deposits sealed frames on a relay. */
export class HostileClient {
  readonly #node: MessengerNode
  readonly #clients = new Map<string, MailboxClient>()

  private constructor(node: MessengerNode) {
    this.#node = node
  }

  static async start(relays: string[]): Promise<HostileClient> {
    const key = await generateKeyPairFromSeed('Ed25519', platform.random(32))
    const node = await createTestNode(key, relays, { direct: false })
    await node.start()
    return new HostileClient(node)
  }

  async stop(): Promise<void> {
    await this.#node.stop()
  }

  /** Seals `frame` to the target's mailbox key and deposits it with the target's capability. */
  async deposit(target: Target, frame: Uint8Array): Promise<void> {
    const relay = target.deposit.relays[0]!
    let client = this.#clients.get(relay)
    if (client === undefined) {
      const addr = multiaddr(relay)
      client = new MailboxClient({
        openStream: (o) => this.#node.dialProtocol(addr, MAILBOX_PROTOCOL, o),
      })
      this.#clients.set(relay, client)
    }
    const sealed = await sealForMailbox(target.deposit.mailboxSealKey, frame)
    await client.deposit(
      { mailboxId: target.deposit.mailboxId, capability: target.deposit.mailboxCapability },
      sealed,
    )
  }

  /** Encrypts each payload in `session` and deposits the frames in order. */
  async send(target: Target, session: HostileSession, ...payloads: Payload[]): Promise<void> {
    for (const p of payloads) await this.deposit(target, session.frame(p))
  }
}
