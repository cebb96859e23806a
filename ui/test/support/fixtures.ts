// Fixture clients and states for component tests: a fixed clock and the committed fixture data.
import { createFixtureClient, createManualClock } from '@hestia/core/test-support/fixture-client.ts'
import type { FixtureClient, ManualClock } from '@hestia/core/test-support/fixture-client.ts'

/** Noon UTC on a fixed day, so "Today"/"Yesterday" labels are stable. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0)

export function fixture(options: { firstRun?: boolean; longHistory?: number } = {}): {
  client: FixtureClient
  clock: ManualClock
} {
  const clock = createManualClock(NOW)
  return { client: createFixtureClient({ clock, ...options }), clock }
}
