// web-ext ships no type declarations; this covers the two commands scripts/build-extension.ts uses.
declare module 'web-ext' {
  interface LintOptions {
    sourceDir: string
    artifactsDir?: string
    output?: 'json' | 'text' | 'none'
    warningsAsErrors?: boolean
  }
  interface BuildOptions {
    sourceDir: string
    artifactsDir: string
    filename?: string
    overwriteDest?: boolean
  }
  const webExt: {
    cmd: {
      lint(options: LintOptions, extra?: { shouldExitProgram?: boolean }): Promise<unknown>
      build(options: BuildOptions, extra?: { showReadyMessage?: boolean }): Promise<unknown>
    }
  }
  export default webExt
}
