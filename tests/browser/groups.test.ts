// A group chat across three browsers (issue 20): the built extension in two Chromium profiles (A,
// B; chrome-mv3, node in the offscreen document) and Firefox ESR (C; firefox-mv2, node in the
// background page), one relay in this process on 127.0.0.1. Contacts are made through the client
// API (covered by messenger-e2e / messenger-firefox); everything about the group goes through
// the UI: A creates it with B and C (New group), each writes in the group's send box, and A
// removes C from the member list. What each person sees is read from their page.
//
//   node --test tests/browser/groups.test.ts
//
// Proves: a group made in the UI reaches B and C; a message from each appears on the other two
// with the sender's name; with B's browser closed A and C write, and B, back, shows all of it in
// order, once; after A removes C, C's chat says so, C does not get A's next message, and B does. Screenshots: tests/artifacts/groups/ (git-ignored).

import assert from 'node:assert/strict'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Page as PuppeteerPage } from 'puppeteer-core'
import type { ClientRequest, ResponseFor } from '../../core/src/client/api.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { MixedTestbed } from './support/mixed-testbed.ts'
import {
  clientRequest,
  mustOk,
  relayReady,
  waitUntil,
  type Evaluator,
  type HestiaPage,
} from './support/messenger-browser.ts'

const artifacts = join(repoRoot, 'tests', 'artifacts', 'groups')
const STEP_MS = 15_000
/** Creating a group: its mailbox made on the relay through a new link, then the invitations queued. */
const CREATE_MS = 60_000
/** Joining: a KeyPackage request and answer, the add commit and the invitation, each a 1:1 message. */
const JOIN_MS = 90_000
/** A group message reaching a member (direct, or the group mailbox read by the page's poll). */
const DELIVERY_MS = 45_000
/** An accepted invite reaching the inviter (its first mailbox message), on a loaded machine. */
const CONTACT_MS = 90_000
/** How long C is watched for A's message after B has it. */
const QUIET_MS = 10_000

/** One person's page, whichever browser drives it: real clicks and keys, DOM reads. */
interface Person {
  readonly name: string
  readonly page: Evaluator
  click(selector: string): Promise<void>
  fill(selector: string, text: string): Promise<void>
  enter(selector: string): Promise<void>
  screenshot(file: string): Promise<void>
  must<T extends ClientRequest>(request: T): Promise<Extract<ResponseFor<T>, { ok: true }>['value']>
}

function chromiumPerson(name: string, hestia: HestiaPage): Person {
  const p = hestia.page
  return {
    name,
    page: p,
    click: (s) => p.locator(s).first().click({ timeout: STEP_MS }),
    fill: (s, text) => p.locator(s).first().fill(text, { timeout: STEP_MS }),
    enter: (s) => p.locator(s).first().press('Enter', { timeout: STEP_MS }),
    screenshot: async (file) => void (await p.screenshot({ path: join(artifacts, file) })),
    must: (r) => hestia.must(r),
  }
}

function firefoxPerson(name: string, p: PuppeteerPage): Person {
  const page = p as unknown as Evaluator
  return {
    name,
    page,
    click: async (s) => {
      await p.waitForSelector(s, { timeout: STEP_MS })
      await p.click(s)
    },
    fill: async (s, text) => {
      await p.waitForSelector(s, { timeout: STEP_MS })
      await p.click(s)
      await p.type(s, text)
    },
    enter: async (s) => {
      await p.focus(s)
      await p.keyboard.press('Enter')
    },
    screenshot: async (file) => void (await p.screenshot({ path: join(artifacts, file) })),
    must: async (r) => mustOk(name, r, await clientRequest(page, r)),
  }
}

/** The group chat as the person sees it: sender name (or "You") and text of each line. */
async function shownLines(person: Person): Promise<{ sender: string; text: string }[]> {
  return person.page.evaluate(
    () =>
      [...document.querySelectorAll('[data-testid="group-message"]')].map((li) => ({
        sender: li.querySelector('[data-testid="group-sender"]')?.textContent?.trim() ?? 'You',
        text: li.querySelector('[data-testid="group-text"]')?.textContent ?? '',
      })),
    null,
  )
}

async function waitForLine(person: Person, text: string, ms = DELIVERY_MS) {
  let found: { sender: string; text: string } | undefined
  await waitUntil(
    `${person.name} to show "${text}"`,
    async () => (found = (await shownLines(person)).find((l) => l.text === text)) !== undefined,
    ms,
    250,
  )
  return found!
}

async function exists(person: Person, selector: string): Promise<boolean> {
  return person.page.evaluate((s) => document.querySelector(s) !== null, selector)
}

/** Opens the group from the sidebar once it is listed (the list is polled). */
async function openGroup(person: Person, name: string): Promise<void> {
  await waitUntil(
    `${person.name} to list the group "${name}"`,
    () =>
      person.page.evaluate(
        (n) =>
          [...document.querySelectorAll('[data-testid="group-row"]')].some((row) =>
            row.textContent?.includes(n),
          ),
        name,
      ),
    JOIN_MS,
    500,
  )
  await person.click('[data-testid="group-row"]')
  await waitUntil(
    `${person.name}'s group chat`,
    () => exists(person, '[data-testid="group-chat"]'),
    STEP_MS,
  )
}

/** axe-core inside a Chromium person's extension page: no serious or critical finding. */
async function accessible(person: Person, name: string): Promise<void> {
  const page = person.page
  // Evaluated through the DevTools protocol: the extension's CSP refuses an injected <script>.
  if (await page.evaluate(() => (window as { axe?: unknown }).axe === undefined, null)) {
    const source = await readFile(join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8')
    // A Playwright page (Chromium) takes the source as a string: run through CDP, past the CSP.
    await (page as unknown as { evaluate(expression: string): Promise<unknown> }).evaluate(source)
  }
  const violations = await page.evaluate(async () => {
    type Violation = { id: string; impact?: string | null; nodes: { target: unknown[] }[] }
    const axe = (
      window as unknown as { axe: { run(d: Document): Promise<{ violations: Violation[] }> } }
    ).axe
    return (await axe.run(document)).violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    }))
  }, null)
  axeReport.push(`${name}: ${violations.map((v) => `${v.id} (${v.impact})`).join(', ') || 'clean'}`)
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(serious, [], `${name}: serious/critical axe findings`)
}

/** The member count in the open group chat's header, as the person reads it. */
function memberCountIs(person: Person, text: string): Promise<boolean> {
  return person.page.evaluate(
    (t) => document.querySelector('[data-testid="group-member-count"]')?.textContent?.trim() === t,
    text,
  )
}

async function say(person: Person, text: string): Promise<void> {
  await person.fill('[data-testid="group-composer"]', text)
  await person.enter('[data-testid="group-composer"]')
  await waitForLine(person, text, STEP_MS)
}

const bed = new MixedTestbed()
let a: Person
let b: Person
let c: Person
const NAMES = { a: 'Ada', b: 'Ben', c: 'Cleo' } as const
const GROUP = 'Weekend trip'
const contactIds = { ab: '', ac: '' }
const axeReport: string[] = []

/**
 * `from`'s invite link. Three browsers on one loopback relay at load: the mailbox request can meet
 * a reset stream (relay_unreachable, CI 2026-12-06). A person presses Add again; so does the test,
 * at most twice more, on that code only.
 */
async function inviteOf(from: Person): Promise<{ link: string }> {
  for (let attempt = 0; ; attempt++) {
    const mine = await clientRequest(from.page, { type: 'invite.mine' })
    if (mine.ok) return mine.value
    if (mine.error.code !== 'relay_unreachable' || attempt === 2)
      throw new Error(`${from.name} invite.mine: ${mine.error.code} ${mine.error.message}`)
    await new Promise((r) => setTimeout(r, 2_000))
  }
}

/** `from` shares an invite, `to` accepts it; returns the contact id `from` has for `to`. */
async function connect(from: Person, to: Person): Promise<string> {
  const invite = await inviteOf(from)
  // Three browsers dial one loopback relay at once: a fetch can meet a closed stream there
  // (peer_unreachable). A person would press Add again; so does the test, at most twice more.
  for (let attempt = 0; ; attempt++) {
    const accepted = await clientRequest(to.page, { type: 'invite.accept', invite: invite.link })
    if (accepted.ok) break
    if (accepted.error.code !== 'peer_unreachable' || attempt === 2)
      throw new Error(`${to.name} invite.accept: ${accepted.error.code} ${accepted.error.message}`)
    await new Promise((r) => setTimeout(r, 2_000))
  }
  let id = ''
  let seen: string[] = []
  try {
    await waitUntil(
      `${from.name} to see ${to.name}`,
      async () => {
        const { conversations } = await from.must({ type: 'conversations.list', query: null })
        seen = conversations.map((c) => `${c.contact.displayName} (${c.contact.trust})`)
        id = conversations.find((c) => c.contact.displayName === to.name)?.contact.contactId ?? ''
        return id !== ''
      },
      CONTACT_MS,
      250,
    )
  } catch (error) {
    const status = await from.must({ type: 'connectivity.status' })
    throw new Error(
      `${(error as Error).message}; ${from.name} lists [${seen.join(', ')}]; relays ${JSON.stringify(status.relays.map((r) => [r.state, r.mailboxReady]))}`,
      { cause: error },
    )
  }
  return id
}

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    const { chromium, firefox } = await bed.start(['A', 'B'])
    a = chromiumPerson(NAMES.a, chromium[0])
    b = chromiumPerson(NAMES.b, chromium[1])
    c = firefoxPerson(NAMES.c, firefox)
  },
  { timeout: 900_000 },
)

after(async () => {
  if (axeReport.length > 0) console.log(`axe-core report:\n  ${axeReport.join('\n  ')}`)
  await bed.destroy()
})

describe('a group of three: A and B in Chromium, C in Firefox', { concurrency: 1 }, () => {
  test('identities, relay, and A–B, A–C, B–C contacts', { timeout: 360_000 }, async () => {
    for (const p of [a, b, c]) {
      await p.must({ type: 'identity.create', displayName: p.name })
      await p.must({ type: 'settings.addRelay', address: bed.relay.address })
    }
    await Promise.all(
      [a, b, c].map((p) =>
        relayReady({ name: p.name, api: (r) => clientRequest(p.page, r) }, 60_000),
      ),
    )
    contactIds.ab = await connect(a, b)
    contactIds.ac = await connect(a, c)
    // B and C know each other too: the sender's name comes from the reader's contacts.
    await connect(b, c)
  })

  test(
    'A creates the group with B and C in the UI; both open it',
    { timeout: 240_000 },
    async () => {
      await a.click('[data-testid="group-new-button"]')
      await a.fill('[data-testid="group-name"]', GROUP)
      await accessible(a, 'new group')
      await a.click(`[data-testid="group-pick"][data-contact="${contactIds.ab}"] input`)
      await a.click(`[data-testid="group-pick"][data-contact="${contactIds.ac}"] input`)
      await a.click('[data-testid="group-create"]')
      // Creating opens a fresh link to the relay for the group mailbox (ADR 0754): seconds on a
      // loaded machine. A refusal shows on the form; it fails the test with its text at once.
      await waitUntil(
        'A in the new group (or a problem shown)',
        async () =>
          (await exists(a, '[data-testid="group-chat"]')) ||
          (await exists(a, '[data-testid="group-new"] [role="alert"]')),
        CREATE_MS,
      )
      const problem = await a.page.evaluate(
        () => document.querySelector('[data-testid="group-new"] [role="alert"]')?.textContent,
        null,
      )
      assert.equal(problem ?? undefined, undefined, 'creating the group showed a problem')
      await a.screenshot('a-created.png')
      await Promise.all([openGroup(b, GROUP), openGroup(c, GROUP)])
      await waitUntil('A to show three members', () => memberCountIs(a, '3 members'), JOIN_MS, 500)
    },
  )

  test(
    'a message from each appears on the other two with the sender’s name',
    { timeout: 240_000 },
    async () => {
      const lines = [
        { from: a, text: 'Hello from Ada', others: [b, c] },
        { from: b, text: 'Ben here, in Chromium', others: [a, c] },
        { from: c, text: 'Cleo writing from Firefox', others: [a, b] },
      ]
      for (const line of lines) {
        await say(line.from, line.text)
        const sentAt = Date.now()
        // Live delivery per reader (ADR 0775: Firefox's lagged); printed for the record.
        const times = await Promise.all(
          line.others.map(async (other) => {
            const shown = await waitForLine(other, line.text)
            assert.equal(shown.sender, line.from.name, `${other.name} names ${line.from.name}`)
            return `${other.name} ${Date.now() - sentAt} ms`
          }),
        )
        console.log(`group delivery ${line.from.name} -> ${times.join(', ')}`)
      }
      for (const p of [a, b, c]) await p.screenshot(`${p.name.toLowerCase()}-three-messages.png`)
      await accessible(a, 'group chat')
    },
  )

  test(
    'B offline catches up in order: A and C write while B’s browser is closed; back, B shows all, in order, once',
    { timeout: 300_000 },
    async () => {
      const profile = bed.profiles[1]!
      await profile.close()
      const away = [
        { from: a, text: 'While Ben is away: one' },
        { from: c, text: 'While Ben is away: two' },
        { from: a, text: 'While Ben is away: three' },
        { from: c, text: 'While Ben is away: four' },
      ]
      for (const line of away) {
        await say(line.from, line.text)
        // The other writer has it before the next is written: one order for everybody.
        await waitForLine(line.from === a ? c : a, line.text)
      }
      const started = Date.now()
      await profile.launch()
      b = chromiumPerson(NAMES.b, await profile.open())
      await openGroup(b, GROUP)
      const texts = away.map((l) => l.text)
      await waitUntil(
        'B to show the four messages written while away',
        async () => {
          const shown = (await shownLines(b)).map((l) => l.text)
          return texts.every((t) => shown.includes(t))
        },
        DELIVERY_MS,
        250,
      )
      console.log(`B back: the four shown ${Date.now() - started} ms after its browser started`)
      const shown = await shownLines(b)
      assert.deepEqual(
        shown.filter((l) => texts.includes(l.text)).map((l) => [l.sender, l.text]),
        away.map((l) => [l.from.name, l.text]),
        'in the order written, once each, with the sender’s name',
      )
      await b.screenshot('b-caught-up.png')
    },
  )

  test(
    'A removes C: C is told, gets nothing after, B still does',
    { timeout: 240_000 },
    async () => {
      await a.click('[data-testid="group-members-toggle"]')
      await accessible(a, 'group members')
      await a.click(`[data-testid="group-remove"][aria-label="Remove ${NAMES.c}"]`)
      await waitUntil(
        'A to show two members',
        () => memberCountIs(a, '2 members'),
        DELIVERY_MS,
        500,
      )
      await waitUntil(
        "C's chat to say C was removed",
        () =>
          c.page.evaluate(
            () =>
              document
                .querySelector('[data-testid="group-gone"]')
                ?.textContent?.includes('You were removed from this group') === true,
            null,
          ),
        DELIVERY_MS,
        500,
      )
      assert.equal(await exists(c, '[data-testid="group-composer"]'), false, 'C has no send box')
      await c.screenshot('c-removed.png')

      await a.click('[data-testid="group-members-toggle"]')
      const after = 'Only for Ada and Ben now'
      await say(a, after)
      const shown = await waitForLine(b, after)
      assert.equal(shown.sender, NAMES.a)
      // B has it; C keeps polling its group for a while and must not.
      const until = Date.now() + QUIET_MS
      while (Date.now() < until) {
        const cLines = await shownLines(c)
        assert.ok(!cLines.some((l) => l.text === after), 'C shows nothing sent after its removal')
        await new Promise((r) => setTimeout(r, 500))
      }
      // C's node: the group may still be listed (read-only) or refuse to read; either way not this.
      for (const g of (await c.must({ type: 'groups.list' })).groups) {
        const read = await clientRequest(c.page, { type: 'groups.messages', groupId: g.groupId })
        if (read.ok)
          assert.ok(
            !read.value.messages.some((m) => m.text === after),
            "C's node holds nothing sent after",
          )
      }
      await b.screenshot('b-after-removal.png')
    },
  )
})
