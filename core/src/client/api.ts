/**
 * The typed client API: the only way a UI (popup, tab, call window) talks to the messenger node.
 *
 * Everything here is plain data (strings, finite numbers, booleans, null, arrays, plain objects) so
 * it survives both structured clone (Firefox runtime ports, BroadcastChannel) and JSON (Chrome
 * runtime ports serialise messages as JSON). Bytes never cross this boundary as Uint8Array: the few
 * binary values (fingerprints, verification payloads) are base64url strings (RFC 4648 §5, no
 * padding). See docs/protocol/client-api.md and docs/adr/0501-client-api-plain-data.md.
 *
 * ```ts
 * const res = await client.request({ type: 'messages.send', conversationId, text: 'hi' })
 * if (res.ok) show(res.value.message)
 * else toast(CLIENT_ERROR_TEXT[res.error.code])
 * const unsubscribe = client.subscribe((event) => {
 *   if (event.type === 'message.updated') redraw(event.message)
 * })
 * ```
 */

export * from './api/scalars.ts'
export * from './api/errors.ts'
export * from './api/identity.ts'
export * from './api/contacts.ts'
export * from './api/settings.ts'
export * from './api/transfers.ts'
export * from './api/calls.ts'
export * from './api/call-ice.ts'
export * from './api/vault.ts'
export * from './api/backup.ts'
export * from './api/devices.ts'
export * from './api/groups.ts'
export * from './api/requests.ts'
export * from './api/client.ts'
