// Plasmo entry (vanilla: Plasmo only picks .tsx pages). The code lives in pages/popup-page.ts.
import './pages/popup-page.ts'
