// The placeholder (e.g. "little-service") appears in a template in several spellings; a new
// service's name must replace every one of them, in contents and in paths.

export const CASE_FORMS = ['kebab', 'snake', 'camel', 'pascal', 'constant', 'title'] as const;
export type CaseForm = (typeof CASE_FORMS)[number];

const capitalize = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** All spellings of a kebab-case name: little-service -> little_service, littleService, ... */
export function caseForms(kebab: string): Record<CaseForm, string> {
  const words = kebab.split('-');
  const [first = '', ...rest] = words;
  return {
    kebab: words.join('-'),
    snake: words.join('_'),
    camel: first + rest.map(capitalize).join(''),
    pascal: words.map(capitalize).join(''),
    constant: words.join('_').toUpperCase(),
    title: words.map(capitalize).join(' '),
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A function that replaces every case form of `from` by the same form of `to`, in one pass (so a
 * replacement is never replaced again). Longer spellings win over shorter ones at the same spot.
 * For a one-word placeholder several forms coincide; the first form in CASE_FORMS order wins.
 */
export function makeRenamer(from: string, to: string): (text: string) => string {
  const a = caseForms(from);
  const b = caseForms(to);
  const map = new Map<string, string>();
  for (const form of CASE_FORMS) if (!map.has(a[form])) map.set(a[form], b[form]);
  const pattern = new RegExp(
    [...map.keys()]
      .sort((x, y) => y.length - x.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, (match) => map.get(match) ?? match);
}

/** Every spelling of `kebab`, for "no trace left" checks. */
export function allSpellings(kebab: string): string[] {
  return [...new Set(Object.values(caseForms(kebab)))];
}
