/**
 * RTCPeerConnection helpers for a call window (call-session.ts): the answer's DTLS role, waiting
 * for ICE gathering, and the contact's DTLS certificate fingerprint as the browser saw it.
 */

/**
 * The answerer takes the DTLS server role (RFC 5763 §5: `a=setup:passive` is a valid answer to
 * `actpass`). As client, its ClientHello could reach the caller before the caller applied the
 * answer (it travels E2EE through the node, possibly via the mailbox): dropped, then retransmitted
 * only after DTLS's 1 s + 2 s timers. As server it waits; the caller starts the handshake once it
 * has everything. Seen as ~3 s extra setup in 2 of 13 runs before.
 */
export function passiveAnswer(answer: RTCSessionDescriptionInit): RTCSessionDescriptionInit {
  return {
    type: answer.type,
    sdp:
      answer.sdp?.replace(/^a=setup:active\r?$/gm, (line) => line.replace('active', 'passive')) ??
      '',
  }
}

/** Resolves when ICE gathering completes or after `ms`, whichever is first. */
export function gathered(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      pc.removeEventListener('icegatheringstatechange', check)
      resolve()
    }
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') done()
    }
    const timer = setTimeout(done, ms)
    pc.addEventListener('icegatheringstatechange', check)
  })
}

/** The contact's certificate fingerprint as the browser verified it (normalized), or null. */
export async function presentedCertificate(pc: RTCPeerConnection): Promise<string | null> {
  const report = await pc.getStats()
  let certId: string | undefined
  report.forEach((s: { type?: string; remoteCertificateId?: string; dtlsState?: string }) => {
    if (s.type === 'transport' && s.remoteCertificateId !== undefined)
      certId = s.remoteCertificateId
  })
  if (certId === undefined) return null
  const cert = report.get(certId) as
    { fingerprint?: string; fingerprintAlgorithm?: string } | undefined
  if (cert?.fingerprint === undefined || cert.fingerprintAlgorithm === undefined) return null
  return `${cert.fingerprintAlgorithm.toLowerCase()} ${cert.fingerprint.toUpperCase()}`
}

const DIGEST_OF: Readonly<Record<string, string>> = {
  'sha-1': 'SHA-1',
  'sha-256': 'SHA-256',
  'sha-384': 'SHA-384',
  'sha-512': 'SHA-512',
}

/**
 * The contact's certificate from the DTLS transport itself (RTCDtlsTransport.getRemoteCertificates,
 * DER), hashed here with the bound fingerprint's algorithm: for when getStats does not list it.
 */
export async function transportCertificate(
  pc: RTCPeerConnection,
  bound: string | null,
): Promise<string | null> {
  const algorithm = bound?.split(' ')[0] ?? 'sha-256'
  const digest = DIGEST_OF[algorithm]
  const transport = pc.getSenders().find((s) => s.transport !== null)?.transport
  const der = transport?.getRemoteCertificates()[0]
  if (digest === undefined || der === undefined) return null
  const hash = new Uint8Array(await crypto.subtle.digest(digest, der))
  const hex = Array.from(hash, (b) => b.toString(16).padStart(2, '0').toUpperCase())
  return `${algorithm} ${hex.join(':')}`
}
