// `npm start`: the main job on embedded defaults.
//   1. starts a local relay with its data in ./data (identity key, mailboxes, audit log) on loopback
//      only: its WebSocket listener, its STUN responder and its admin port (a development relay
//      should not answer the local network; issue 23)
//   2. builds the extension for Chrome and Firefox (test mode: loopback relays allowed) into build/,
//      with that relay as the default relay of a fresh install (PLASMO_PUBLIC_HESTIA_RELAYS)
//   3. prints the relay's dialable address and where the unpacked extensions are, then runs until Ctrl-C
// Flags: --skip-build, --data DIR, --listen MULTIADDR (default /ip4/127.0.0.1/tcp/4510/ws).
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startRelay } from '@hestia/relay-node'

const root = resolve(import.meta.dirname, '..')
const LOOPBACK = '127.0.0.1'
const { values } = parseArgs({
  options: {
    'skip-build': { type: 'boolean', default: false },
    data: { type: 'string', default: resolve(root, 'data') },
    listen: { type: 'string', default: '/ip4/127.0.0.1/tcp/4510/ws' },
  },
})

// Relay logs (JSON) go to stderr so the address block below stays readable on stdout.
// The relay's identity key persists in the data directory, so its address is stable across runs.
const relay = await startRelay({
  dataDir: values.data,
  listen: [values.listen],
  stunHost: LOOPBACK,
  adminHost: LOOPBACK,
  logDestination: 2,
})

let stopping = false
async function stop(code = 0): Promise<void> {
  if (stopping) return
  stopping = true
  await relay.stop()
  process.exit(code)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())

if (!values['skip-build']) {
  console.log('Building the extension for Chrome and Firefox (test mode), pointed at this relay...')
  const build = spawnSync(process.execPath, ['scripts/build-extension.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PLASMO_PUBLIC_HESTIA_RELAYS: relay.multiaddrs.join(',') },
  })
  if (build.status !== 0) {
    console.error(
      'The extension build failed; see above. Fix it, or run with --skip-build to start only the relay.',
    )
    await stop(1)
  }
}

console.log(`
Hestia relay running (data in ${relay.dataDir}). Dial it at:
${relay.multiaddrs.map((a) => `  ${a}`).join('\n')}

Load the extension unpacked (a fresh install uses this relay; Settings → Relays changes it):
  Chrome/Chromium: chrome://extensions → Developer mode → Load unpacked → ${resolve(root, 'build', 'chrome-mv3-test')}
  Firefox:         about:debugging → This Firefox → Load Temporary Add-on → ${resolve(root, 'build', 'firefox-mv2-test', 'manifest.json')}

Ctrl-C stops the relay.`)
