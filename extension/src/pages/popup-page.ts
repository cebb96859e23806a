// Popup: mounts the Svelte 5 component with a client that talks to the background.

import Popup from '@hestia/ui/Popup.svelte'
import type { PopupProps } from '@hestia/ui/popup-client.ts'
import { mount, type Component } from 'svelte'
import { HostClient } from '../messaging/client.ts'
import { webExt } from '../platform/webext.ts'

const target = document.getElementById('__plasmo')
if (target === null) throw new Error('popup.html has no #__plasmo element')

mount(Popup as Component<PopupProps>, {
  target,
  props: { client: new HostClient(webExt(), { timeoutMs: 15_000 }) },
})
