#!/usr/bin/env node
// Shim for the `hestia-relay` bin: the CLI is TypeScript run by Node 24's type stripping.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `hestia-relay needs Node 24 (this is ${process.versions.node}); run it via npx or npm run, ` +
      'which use the Node from node_modules/.bin',
  )
  process.exit(1)
}
await import('../src/cli.ts')
