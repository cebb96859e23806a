// Formatting a person reads: list times, day labels, sizes, link splitting, initials.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  dayKey,
  dayLabel,
  formatBytes,
  formatDuration,
  formatEta,
  initials,
  listTime,
  linkTarget,
  splitLinks,
} from '../src/lib/format.ts'

const noon = new Date(2026, 10, 23, 12, 0, 0).getTime()
const day = 86_400_000

describe('times', () => {
  test('list times: clock today, "Yesterday", weekday this week, date before', () => {
    assert.match(listTime(noon - 60_000, noon, 'en-GB'), /^11:59$/)
    assert.equal(listTime(noon - day, noon, 'en-GB'), 'Yesterday')
    assert.equal(listTime(noon - 3 * day, noon, 'en-GB'), 'Fri')
    assert.equal(listTime(noon - 30 * day, noon, 'en-GB'), '24 Oct')
    assert.equal(listTime(noon - 400 * day, noon, 'en-GB'), '19 Oct 2025')
  })

  test('day separators: Today, Yesterday, then the full date', () => {
    assert.equal(dayLabel(noon - 60_000, noon), 'Today')
    assert.equal(dayLabel(noon - day, noon), 'Yesterday')
    assert.equal(dayLabel(noon - 2 * day, noon, 'en-GB'), 'Saturday 21 November')
    assert.notEqual(dayKey(noon), dayKey(noon - day))
    assert.equal(dayKey(noon), dayKey(noon - 60_000))
  })

  test('durations and estimates', () => {
    assert.equal(formatDuration(247_000), '4:07')
    assert.equal(formatDuration(3_723_000), '1:02:03')
    assert.equal(formatEta(41), '41 s')
    assert.equal(formatEta(180), '3 min')
    assert.equal(formatEta(3_900), '1 h 5 min')
  })
})

describe('sizes', () => {
  test('decimal units with a decimal from MB', () => {
    assert.equal(formatBytes(999), '999 B')
    assert.equal(formatBytes(2_457_600), '2.5 MB')
    assert.equal(formatBytes(1_610_612_736), '1.6 GB')
    assert.equal(formatBytes(150_000_000), '150 MB')
  })
})

describe('text', () => {
  test('links are split out for styling, surrounding text kept exactly', () => {
    const text = 'See https://example.org/a?b=1, and www.example.net.'
    const segments = splitLinks(text)
    assert.equal(segments.map((s) => s.value).join(''), text)
    assert.deepEqual(
      segments.filter((s) => s.kind === 'link').map((s) => s.value),
      ['https://example.org/a?b=1'],
      'only http(s) addresses become links; a bare www. stays text',
    )
    assert.deepEqual(splitLinks('no links here'), [{ kind: 'text', value: 'no links here' }])
  })

  test('other schemes stay text; a link opens only its parsed http(s) address', () => {
    for (const text of [
      'javascript:alert(1)',
      'data:text/html,<b>x</b>',
      'file:///etc/passwd',
      'hestia:invite/abc',
      'ftp://example.org/x',
    ])
      assert.deepEqual(
        splitLinks(text).filter((s) => s.kind === 'link'),
        [],
        `${text} is not a link`,
      )
    assert.equal(linkTarget('https://example.org/a?b=1#c'), 'https://example.org/a?b=1#c')
    assert.equal(linkTarget('HTTP://Example.ORG'), 'http://example.org/')
    // A look-alike host shows (and opens) as punycode, so the confirmation shows the real host.
    assert.equal(linkTarget('https://аpple.com/'), 'https://xn--pple-43d.com/')
    assert.equal(linkTarget('javascript:alert(1)'), null)
    assert.equal(linkTarget('https://'), null)
  })

  test('initials', () => {
    assert.equal(initials('Alice Okafor'), 'AO')
    assert.equal(initials('Gus'), 'G')
    assert.equal(initials('  inês   de carvalho '), 'IC')
  })
})
