// Message history to a newly linked browser (issue 19, ADR 0790), through the built extension and
// one relay on 127.0.0.1: A1 (Chromium) chats with Ben (Chromium), then a third profile A2 is
// linked to Ada through the client API (the UI link is tests/browser/devices.test.ts). On A1, in
// Settings → Devices, the user presses "Send message history to …", reads the size, sends; A2
// then holds every text with its id, direction and text.
//
//   node --test tests/browser/devices-history.test.ts   (builds build/chrome-mv3-test if stale)

import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { repoRoot } from '../../scripts/build-extension.ts'
import { ChromiumTestbed, launchAndOpen } from './support/chromium-testbed.ts'
import { historyIn, relayReady, waitUntil } from './support/messenger-browser.ts'
import type { HestiaPage } from './support/messenger-browser.ts'

const artifacts = join(repoRoot, 'tests', 'artifacts', 'devices-history')
const DELIVERY_MS = 60_000
const UI_MS = 20_000

const bed = new ChromiumTestbed()
let a1: HestiaPage
let ben: HestiaPage
let a2: HestiaPage
let convA1 = ''
let convBen = ''

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    const profiles = await bed.start(['Ada', 'Ben', 'AdaLaptop'])
    ;[a1, ben, a2] = await launchAndOpen(profiles)
  },
  { timeout: 300_000 },
)

after(async () => {
  await bed.destroy()
})

describe('history to a newly linked browser', { concurrency: 1 }, () => {
  test('A1 and Ben chat before the laptop exists', { timeout: 180_000 }, async () => {
    await a1.must({ type: 'identity.create', displayName: 'Ada' })
    await ben.must({ type: 'identity.create', displayName: 'Ben' })
    await a1.must({ type: 'settings.addRelay', address: bed.relay.address })
    await ben.must({ type: 'settings.addRelay', address: bed.relay.address })
    await Promise.all([relayReady(a1), relayReady(ben)])
    const invite = await a1.must({ type: 'invite.mine' })
    convBen = (await ben.must({ type: 'invite.accept', invite: invite.link })).contact
      .conversationId
    await waitUntil(
      'A1 lists Ben',
      async () =>
        (await a1.must({ type: 'conversations.list', query: 'Ben' })).conversations.length === 1,
      DELIVERY_MS,
      250,
    )
    convA1 = (await a1.must({ type: 'conversations.list', query: 'Ben' })).conversations[0]!
      .conversationId
    for (const text of ['one from Ada', 'two from Ada'])
      await a1.must({ type: 'messages.send', conversationId: convA1, text })
    await ben.must({ type: 'messages.send', conversationId: convBen, text: 'one from Ben' })
    await waitUntil(
      'both see all three',
      async () =>
        (await historyIn(a1, convA1)).filter((m) => m.body.kind === 'text').length === 3 &&
        (await historyIn(ben, convBen)).filter((m) => m.body.kind === 'text').length === 3,
      DELIVERY_MS,
      250,
    )
  })

  test('the laptop is linked to Ada', { timeout: 180_000 }, async () => {
    await a2.must({ type: 'settings.addRelay', address: bed.relay.address })
    const offer = await a2.must({ type: 'devices.linkStart', deviceName: 'Ada laptop' })
    const onA1 = await a1.must({ type: 'devices.linkAccept', link: offer.link })
    await a1.must({ type: 'devices.linkConfirm', linkId: onA1.linkId })
    await waitUntil(
      'the laptop shows the code to confirm',
      async () => {
        const r = await a2.api({ type: 'devices.linkConfirm', linkId: offer.linkId })
        return r.ok
      },
      DELIVERY_MS,
      500,
    )
    await waitUntil(
      'the laptop holds the identity',
      async () => {
        const s = await a2.api({ type: 'identity.status' })
        return s.ok && s.value.state === 'ready'
      },
      DELIVERY_MS,
      500,
    )
  })

  test(
    'on A1: the size shown, then sent; the laptop holds every text',
    { timeout: 180_000 },
    async () => {
      const p = a1.page
      await p.reload()
      await p.getByRole('button', { name: 'Settings' }).first().click()
      const section = p.getByTestId('devices-settings')
      await section.getByTestId('device-row').nth(1).waitFor({ timeout: UI_MS })
      await section.getByRole('button', { name: 'Send message history to Ada laptop' }).click()
      const size = section.getByTestId('history-size')
      await size.waitFor({ timeout: UI_MS })
      assert.match((await size.textContent()) ?? '', /^3 messages in 1 chat, about \d+ B$/)
      await a1.screenshot(join(artifacts, 'a1-history-size.png'))
      await section.getByRole('button', { name: 'Send history' }).click()
      await section
        .getByTestId('history-state')
        .getByText('Message history sent.')
        .waitFor({ timeout: DELIVERY_MS })
      await a1.screenshot(join(artifacts, 'a1-history-sent.png'))

      const onA1 = (await historyIn(a1, convA1)).filter((m) => m.body.kind === 'text')
      const list = await a2.must({ type: 'conversations.list', query: 'Ben' })
      const convA2 = list.conversations[0]!.conversationId
      const onA2 = (await historyIn(a2, convA2)).filter((m) => m.body.kind === 'text')
      assert.deepEqual(
        onA2.map((m) => [m.messageId, m.direction, m.body]).sort(),
        onA1.map((m) => [m.messageId, m.direction, m.body]).sort(),
      )
    },
  )
})
