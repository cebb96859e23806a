// Plasmo entry for the call window (opened by the host as a popup-type window, host/call-window.ts).
import '../pages/call-page.ts'
