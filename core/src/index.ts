/**
 * @hestia/core: platform-free protocol, crypto and messenger logic.
 *
 * Nothing here touches `chrome.*`, the DOM or `node:*`: the platform (libp2p node, store, clock,
 * randomness) is injected, so the same code runs in the extension, in Node tests and in the relay.
 */
export const HESTIA_PROTOCOL_VERSION = 1
