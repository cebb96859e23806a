// What the popup needs from the node, as the UI sees it. The extension hands in an object that
// satisfies PopupClient (its typed host client); the UI never imports extension code.

export interface PopupNodeStatus {
  readonly peerId: string
  readonly started: boolean
  readonly connections: number
  readonly rtcPeerConnection: boolean
  readonly nodeHome: string
  readonly uptimeMs: number
}

export interface PopupClient {
  status(): Promise<PopupNodeStatus>
}

export interface PopupProps {
  readonly client: PopupClient
}
