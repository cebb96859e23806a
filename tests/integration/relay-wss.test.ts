/**
 * wss: the relay serves TLS on its listen port itself (--tls-cert/--tls-key) and a client that
 * verifies the certificate (a child process trusting only this test CA through NODE_EXTRA_CA_CERTS)
 * reaches the mailbox protocol over /tls/ws.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { startRelay } from '@hestia/relay-node'
import { tempDir } from './relay-helpers.ts'

// Self-signed test certificate for IP 127.0.0.1 (valid until 2036). Test-only; never deploy it.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBnTCCAUSgAwIBAgIUGFFK8hDyEykdttAMNjQUY7PH1GcwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRaGVzdGlhLXJlbGF5LXRlc3QwHhcNMjYxMTIzMTYyMzEwWhcN
MzYxMTIwMTYyMzEwWjAcMRowGAYDVQQDDBFoZXN0aWEtcmVsYXktdGVzdDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABBu78rJjyO8tKsSSrgZGbsn+nOP0CuIDQh64
g2SPGvQ9gAZ5ugwpxeTPAREJ2If4Yuvv8uaUIUOByl/lto9g3h2jZDBiMB0GA1Ud
DgQWBBQmIVkih2QdCvOGgarhmx61K2RdezAfBgNVHSMEGDAWgBQmIVkih2QdCvOG
garhmx61K2RdezAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8AAAEwCgYI
KoZIzj0EAwIDRwAwRAIgIGLP/6SeAyeZucW2kLugQvJj/DvHas+/g1Oae+umtDoC
IBL2i2EZX1HbQXKRS+U1ZV0jUUENPJ6yPemZ/80v2r7Z
-----END CERTIFICATE-----
`
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8Ot4DobFGV2RXF1N
IHSd6rR1HnjckULFY0mgblxWnWahRANCAAQbu/KyY8jvLSrEkq4GRm7J/pzj9Ari
A0IeuINkjxr0PYAGeboMKcXkzwERCdiH+GLr7/LmlCFDgcpf5baPYN4d
-----END PRIVATE KEY-----
`

void test('a certificate-verifying client reaches the relay over wss', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'cert.pem'), CERT)
  writeFileSync(join(dir, 'key.pem'), KEY, { mode: 0o600 })
  const relay = await startRelay({
    dataDir: join(dir, 'relay'),
    listen: ['/ip4/127.0.0.1/tcp/0/tls/ws'],
    tlsCertFile: join(dir, 'cert.pem'),
    tlsKeyFile: join(dir, 'key.pem'),
    stunPort: -1,
    adminPort: -1,
    logLevel: 'silent',
  })
  try {
    const addr = relay.multiaddrs[0]!
    assert.match(addr, /\/tls\/ws\/p2p\//)
    const helpers = pathToFileURL(join(import.meta.dirname, 'relay-helpers.ts')).href
    const script = `
      import { startClientNode, mailboxClientFor } from '${helpers}'
      const node = await startClientNode()
      const info = await mailboxClientFor(node, process.argv[1]).info()
      process.stdout.write(info.current.peerId)
      await node.stop()
    `
    const run = (env: NodeJS.ProcessEnv) =>
      promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, addr], {
        env: { ...process.env, ...env },
        timeout: 30_000,
      })
    const { stdout } = await run({ NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') })
    assert.equal(stdout, relay.peerId)
    // Without trusting the certificate the TLS handshake fails: TLS is really in use.
    await assert.rejects(run({}), (err: Error & { stderr?: string }) => {
      assert.doesNotMatch(
        err.stderr ?? '',
        /SyntaxError|Cannot find/,
        'the client script itself ran',
      )
      return true
    })
  } finally {
    await relay.stop()
  }
})
