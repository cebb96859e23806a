import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { PEER_VALUE_CAPS } from './caps.ts'
import {
  cleanDisplayName,
  cleanFileName,
  cleanMimeType,
  displayNameOr,
  graphemes,
  shortenMiddle,
} from './clean.ts'

describe('display names', () => {
  test('bidi, control, zero-width and other invisible characters are removed', () => {
    // "Bob" with a right-to-left override that would reverse the sentence around it.
    assert.equal(cleanDisplayName('\u202eBob'), 'Bob')
    assert.equal(cleanDisplayName('A\u200bl\u200ci\u200dc\u2060e\ufeff'), 'Alice')
    assert.equal(cleanDisplayName('\u2066Eve\u2069\u2067\u2068'), 'Eve')
    assert.equal(cleanDisplayName('Mal\u0000lory\u001b[31m\u0085'), 'Mallory[31m')
    assert.equal(cleanDisplayName('Tom\u2028Jerry\u2029'), 'TomJerry')
    assert.equal(cleanDisplayName('\u3164\u115f\u2800'), '')
    assert.equal(cleanDisplayName('Ann\udc00'), 'Ann', 'a lone surrogate')
    assert.equal(cleanDisplayName('\ue000Pat'), 'Pat', 'private use')
  })

  test('whitespace collapses and trims; NFC composes', () => {
    assert.equal(cleanDisplayName('  Ann \u00a0\u3000  Lee\t\n'), 'Ann Lee')
    assert.equal(cleanDisplayName('Jo\u0308rg'), 'J\u00f6rg')
  })

  test('capped in user-perceived characters, never splitting one', () => {
    const flags = '🇫🇷'.repeat(70)
    const cut = cleanDisplayName(flags)
    assert.equal(graphemes(cut).length, PEER_VALUE_CAPS.displayNameGraphemes)
    assert.equal(cut, '🇫🇷'.repeat(64))
    // Combining marks pile up on a few letters: the code-unit bound cuts whole graphemes.
    const zalgo = ('e' + '\u0301'.repeat(30)).repeat(20)
    const z = cleanDisplayName(zalgo)
    assert.ok(z.length <= PEER_VALUE_CAPS.displayNameCodeUnits)
    // NFC folds e + the first acute into é: 30 code units per grapheme, 8 of them fit in 256.
    assert.equal(z, ('\u00e9' + '\u0301'.repeat(29)).repeat(8))
  })

  test('a name with nothing visible falls back', () => {
    assert.equal(displayNameOr('\u200b\u202e ', 'Contact'), 'Contact')
    assert.equal(displayNameOr(' Kim ', 'Contact'), 'Kim')
  })
})

describe('file names', () => {
  test('format characters go, the real extension stays at the end', () => {
    assert.equal(cleanFileName('invoice\u202egpj.exe'), 'invoicegpj.exe')
    assert.equal(cleanFileName('re\u00adport\u200b.pdf'), 'report.pdf')
    assert.equal(cleanFileName('../../etc/passwd'), '_.._etc_passwd')
    assert.equal(cleanFileName('.bashrc'), 'bashrc')
    assert.equal(cleanFileName('\u200b\u200c'), 'file')
  })

  test('long names are shortened in the middle and keep the extension', () => {
    const long = 'a'.repeat(300) + '.exe'
    const short = cleanFileName(long)
    assert.ok(short.length <= PEER_VALUE_CAPS.fileNameCodeUnits)
    assert.ok(short.endsWith('.exe'))
    assert.ok(short.includes('…'))
    const shown = shortenMiddle('holiday-photos-from-the-mountains-2026.tar.gz', 20)
    assert.equal(shown.length, 20)
    assert.ok(shown.endsWith('.gz'))
    assert.ok(shown.startsWith('holiday'))
    assert.equal(shortenMiddle('short.txt', 20), 'short.txt')
    // Emoji are never cut in half.
    const emoji = shortenMiddle('😀'.repeat(50) + '.png', 21)
    assert.ok(emoji.endsWith('.png'))
    assert.doesNotMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/)
  })

  test('MIME types: plain type/subtype only', () => {
    assert.equal(cleanMimeType('Image/PNG'), 'image/png')
    assert.equal(cleanMimeType('text/html; charset=utf-8'), '')
    assert.equal(
      cleanMimeType('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    )
    assert.equal(cleanMimeType('../../x'), '')
    assert.equal(cleanMimeType(''), '')
  })
})
