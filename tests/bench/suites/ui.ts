// Popup start-up. Pending until the popup lists conversations from the store.
import { pendingSuite } from '../lib/pending-suite.ts'

export default pendingSuite(
  'ui',
  ['ui.popup_interactive_ms'],
  'the popup with stored conversations',
)
