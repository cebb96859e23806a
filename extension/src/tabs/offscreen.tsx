// Plasmo entry for Chrome's offscreen document (dropped from Firefox builds by the build script).
import '../pages/offscreen-page.ts'
