/**
 * When two contacts' names look alike. A name's skeleton is what is left once everything a reader
 * cannot tell apart on screen is made equal; two names with the same skeleton are confusable, and
 * the later contact gets a visible tag derived from its key (docs/adr/0710). Deliberately coarse:
 * a false positive costs a small tag, a false negative lets one contact pose as another.
 */
import { stripInvisible } from './clean.ts'

/**
 * Letters from other scripts (and digits/symbols) that render like a Latin letter in common
 * fonts, mapped to that letter. Covers the Cyrillic and Greek look-alikes of every Latin letter
 * that has one, plus digit and punctuation stand-ins; not the whole Unicode confusables table.
 */
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  з: '3',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ү: 'y',
  ɡ: 'g',
  ь: 'b',
  п: 'n',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
  ϲ: 'c',
  ϳ: 'j',
  ς: 'c',
  // Latin extensions and IPA
  ı: 'i',
  ȷ: 'j',
  ł: 'l',
  ɩ: 'i',
  ɑ: 'a',
  ɔ: 'c',
  ɵ: 'o',
  ø: 'o',
  đ: 'd',
  ħ: 'h',
  // Digits and symbols
  '0': 'o',
  '1': 'l',
  '3': 'e',
  '5': 's',
  '|': 'l',
  '!': 'l',
  $: 's',
  '@': 'a',
}

/** Letter pairs that read as one letter at a glance. */
const DIGRAPHS: [RegExp, string][] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
]

/**
 * NFKC (folds full-width, ligatures, super/subscripts, mathematical letters), capital I as l,
 * case folded, accents removed, homoglyphs mapped, digraphs merged, spaces and punctuation
 * between letters ignored.
 */
export function nameSkeleton(name: string): string {
  const folded = stripInvisible(name)
    .normalize('NFKC')
    .replace(/I/g, 'l')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
  let mapped = ''
  for (const ch of folded) mapped += HOMOGLYPHS[ch] ?? ch
  mapped = mapped.replace(/[\s\p{P}\p{S}]/gu, (ch) => HOMOGLYPHS[ch] ?? '')
  for (const [pattern, letter] of DIGRAPHS) mapped = mapped.replace(pattern, letter)
  return mapped
}

/** True when two names would be mistaken for each other on screen. */
export function namesConfusable(a: string, b: string): boolean {
  const skeleton = nameSkeleton(a)
  return skeleton !== '' && skeleton === nameSkeleton(b)
}

/**
 * The tag shown after a confusable name: four characters of the contact's key id, which the
 * other contact cannot choose and which the UI draws apart from the name.
 */
export function nameTagFor(identityKeyId: string): string {
  return identityKeyId
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 4)
    .toUpperCase()
}
