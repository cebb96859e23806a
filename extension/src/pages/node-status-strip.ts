// A one-line diagnostics strip under the messenger UI: where the node runs, its PeerId and
// connection count (the UI's own connectivity indicator shows relay and direct-peer state).
// Plain DOM with textContent: nothing here comes from a peer.

import type { NodeStatus } from '../messaging/protocol.ts'

export interface NodeStatusSource {
  status(): Promise<NodeStatus>
}

const style = `
  position: fixed; left: 0; bottom: 0; z-index: 10; box-sizing: border-box;
  display: flex; gap: 6px; align-items: center; max-width: 290px; padding: 1px 6px;
  font: 10px/16px ui-monospace, monospace; color: GrayText; background: Canvas;
  border-top: 1px solid color-mix(in srgb, GrayText 30%, transparent);
  white-space: nowrap; overflow: hidden; opacity: 0.9;
`

function span(testId: string): HTMLSpanElement {
  const element = document.createElement('span')
  element.dataset.testid = testId
  return element
}

/** Appends the strip to `parent` and refreshes it every `refreshMs`; returns a stop function. */
export function showNodeStatusStrip(
  parent: HTMLElement,
  source: NodeStatusSource,
  refreshMs = 5_000,
): () => void {
  const strip = document.createElement('footer')
  strip.setAttribute('aria-label', 'Node diagnostics')
  strip.dataset.testid = 'node-status'
  strip.style.cssText = style
  const state = span('node-state')
  const home = span('node-home')
  const connections = span('node-connections')
  const peerId = span('peer-id')
  peerId.title = 'This device’s libp2p PeerId'
  strip.append(state, home, connections, peerId)
  state.textContent = 'node starting…'
  parent.append(strip)

  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const refresh = async (): Promise<void> => {
    try {
      const status = await source.status()
      state.textContent = status.started ? 'node running' : 'node stopped'
      state.dataset.state = status.started ? 'started' : 'stopped'
      home.textContent = status.nodeHome
      connections.textContent = `${status.connections} conn`
      peerId.textContent = status.peerId
    } catch (error) {
      state.textContent = 'node unreachable'
      state.dataset.state = 'unreachable'
      state.title = error instanceof Error ? error.message : String(error)
    }
    if (!stopped) timer = setTimeout(() => void refresh(), refreshMs)
  }
  void refresh()
  return () => {
    stopped = true
    clearTimeout(timer)
    strip.remove()
  }
}
