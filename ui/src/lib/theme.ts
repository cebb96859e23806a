// The colour theme (issue 23): follow the system, or always light, or always dark. The choice is
// a display preference of this browser profile, so it lives in the page's localStorage (shared by
// the popup and the tab view, which have the same origin), not in the node's settings.

export const THEMES = ['system', 'light', 'dark'] as const
export type Theme = (typeof THEMES)[number]

export const THEME_LABEL: Readonly<Record<Theme, string>> = {
  system: 'Same as the system',
  light: 'Light',
  dark: 'Dark',
}

const STORAGE_KEY = 'hestia.theme'

function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value)
}

/** The saved choice; 'system' when none was saved or storage is unavailable. */
export function loadTheme(): Theme {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
    return isTheme(saved) ? saved : 'system'
  } catch {
    return 'system'
  }
}

export function saveTheme(theme: Theme): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, theme)
  } catch {
    // Storage refused (private mode quota): the choice lasts for this page only.
  }
}

/** 'light' or 'dark' for a choice, given whether the system prefers dark. */
export function resolveTheme(theme: Theme, systemDark: boolean): 'light' | 'dark' {
  return theme === 'system' ? (systemDark ? 'dark' : 'light') : theme
}
