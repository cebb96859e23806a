// Linking a browser to an identity in real extensions (issue 19): device.link_ms is the time from
// the primary taking the scanned link (devices.linkAccept, what "Link" in Settings → Devices sends)
// until both devices are ready — both report the link done, the new device runs as a companion
// (identity ready, ADR 0762) and the primary lists it. Both confirm the code as soon as they see
// it, so the figure is the machines' part, not the person's comparing. Two Chromium profiles with the chrome-mv3 test
// build and one relay on 127.0.0.1; between links the primary removes the new device, which erases
// itself and links again. (The Node-only figure of the same handshake is device.link_node_ms.)
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { percentile } from '../lib/stats.ts'
import { openExtensionPair, openProfile, type BenchExtensionPage } from '../lib/extension-pair.ts'
import type { ChromiumProfile } from '../../browser/support/messenger-browser.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

const LINKS: Record<BenchMode, number> = { smoke: 1, quick: 3, full: 10 }
/** One link, both sides (the new device starts its node and reaches the relay inside it). */
const LINK_WAIT_MS = 60_000

/** The new device's offer link, once its node serves it. */
async function offer(fresh: BenchExtensionPage, relay: string, round: number): Promise<string> {
  // A fresh install has no relay yet; the offer names the relay it listens on.
  const added = await fresh.request({ type: 'settings.addRelay', address: relay })
  const started = await fresh.request({ type: 'devices.linkStart', deviceName: `bench ${round}` })
  if (started.ok) return started.value.link
  const before = added.ok ? 'added' : added.error.code
  throw new Error(
    `${fresh.name} devices.linkStart: ${started.error.code} ${started.error.message} (settings.addRelay before an identity: ${before})`,
  )
}

/** Waits for this side's link attempt to reach `state`; throws on `failed` with its reason. */
async function linkState(
  page: BenchExtensionPage,
  state: 'compare' | 'done',
  since: number,
): Promise<{ linkId: string; code: string | null }> {
  let found: { linkId: string; code: string | null } | undefined
  await waitUntil(
    `${page.name}: link ${state}`,
    async () => {
      for (const { at, event } of await page.events()) {
        if (at < since || event.type !== 'device.link') continue
        if (event.link.state === 'failed')
          throw new Error(`${page.name}: link failed: ${event.link.reason ?? event.link.failure}`)
        if (event.link.state === state) found = { linkId: event.link.linkId, code: event.link.code }
      }
      return found !== undefined
    },
    LINK_WAIT_MS,
    25,
  )
  return found!
}

async function oneLink(
  primary: BenchExtensionPage,
  fresh: BenchExtensionPage,
  relay: string,
  round: number,
): Promise<number> {
  const link = await offer(fresh, relay, round)
  const since = await fresh.page.evaluate(() => performance.timeOrigin + performance.now())
  const started = performance.now()
  const accepted = await primary.must({ type: 'devices.linkAccept', link })
  const onFresh = await linkState(fresh, 'compare', since)
  if (onFresh.code !== accepted.code) throw new Error('the two devices show different codes')
  await Promise.all([
    primary.must({ type: 'devices.linkConfirm', linkId: accepted.linkId }),
    fresh.must({ type: 'devices.linkConfirm', linkId: onFresh.linkId }),
  ])
  // Ready: both sides report the link done (the new device stored the grant as a companion
  // identity and started its messenger before it says done) and the primary's list names it.
  await Promise.all([linkState(fresh, 'done', since), linkState(primary, 'done', since)])
  const identity = await fresh.request({ type: 'identity.status' })
  if (!identity.ok || identity.value.state !== 'ready')
    throw new Error(`${fresh.name}: link done but no identity (${JSON.stringify(identity)})`)
  const listed = await primary.must({ type: 'devices.list' })
  if (!listed.devices.some((d) => d.name === `bench ${round}`))
    throw new Error('the primary does not list the new device')
  return performance.now() - started
}

/** The primary removes every other device; each erases itself (identity none) before the next link. */
async function unlink(primary: BenchExtensionPage, fresh: BenchExtensionPage): Promise<void> {
  const since = await fresh.page.evaluate(() => performance.timeOrigin + performance.now())
  await primary.must({ type: 'devices.logoutOthers' })
  let last = ''
  try {
    await waitUntil(
      `${fresh.name} erased after its removal`,
      async () => {
        const identity = await fresh.request({ type: 'identity.status' })
        last = JSON.stringify(identity.ok ? identity.value.state : identity.error)
        return identity.ok && identity.value.state === 'none'
      },
      LINK_WAIT_MS,
      100,
    )
  } catch (err) {
    // Where it stopped: was the removal seen at all, did the identity change, what status says.
    const seen = (await fresh.events())
      .filter((e) => e.at >= since)
      .map((e) => e.event.type)
      .filter((t) => t === 'device.removed' || t === 'identity.changed' || t === 'devices.changed')
    throw new Error(
      `${(err as Error).message}; ${fresh.name} saw [${seen.join(', ')}], identity.status ${last}`,
      { cause: err },
    )
  }
}

const suite: BenchSuite = {
  prefix: 'device',
  metrics: ['device.link_ms'],
  async run(ctx) {
    const pair = await openExtensionPair({ log: ctx.log, signal: ctx.signal })
    const opened: ChromiumProfile[] = []
    try {
      const fresh = await openProfile('New', pair.extensionDir, opened)
      const times: number[] = []
      for (let round = 1; round <= LINKS[ctx.mode] && ctx.signal?.aborted !== true; round++) {
        times.push(await oneLink(pair.a, fresh, pair.relay.address, round))
        // Only between links: the figure is the link, the removal just makes room for the next.
        if (round < LINKS[ctx.mode]) await unlink(pair.a, fresh)
      }
      ctx.log(`device link in extensions: ${times.map((t) => Math.round(t)).join(', ')} ms`)
      const metrics: Record<string, Metric> = {
        'device.link_ms': { value: percentile(times, 50), unit: 'ms', goal: '<= 5000 ms' },
      }
      return metrics
    } finally {
      await Promise.allSettled(opened.map((p) => p.destroy()))
      await pair.close()
    }
  },
}

export default suite
