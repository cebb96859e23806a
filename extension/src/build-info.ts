// This bundle's target and mode. Plasmo inlines process.env.PLASMO_TARGET and PLASMO_TAG at
// build time (scripts/build-extension.ts passes --tag=<mode>); the policy itself lives in
// plasmo.config.ts.

import {
  isBrowserTarget,
  isBuildMode,
  runtimePolicy,
  type RuntimePolicy,
} from '../../plasmo.config.ts'

export function buildPolicy(): RuntimePolicy {
  const target = process.env.PLASMO_TARGET
  const mode = process.env.PLASMO_TAG
  if (!isBrowserTarget(target) || !isBuildMode(mode)) {
    throw new Error(
      `Unknown build "${String(target)}/${String(mode)}": build with scripts/build-extension.ts.`,
    )
  }
  return runtimePolicy(target, mode)
}
