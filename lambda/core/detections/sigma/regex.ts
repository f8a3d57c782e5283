/**
 * The `re` modifier's pattern as a JavaScript RegExp. Sigma rules written for PCRE or Python often
 * open with inline flags, `(?i)` most of all; JavaScript reads none, so a leading group of the flags
 * Sigma has modifiers for (`i`, `m`, `s`) becomes those flags. Elsewhere, or scoped (`(?i:…)`), they
 * cannot be kept exactly: refused with the modifiers to use instead.
 */

const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/;
/** An inline flag group anywhere: `(?i)`, `(?-i)`, `(?i:`, `(?i-s:` (not `(?:`, `(?=`, `(?<name>`). */
const INLINE_FLAGS = /\(\?[a-zA-Z]*-?[a-zA-Z]+[:)]/;
const SIGMA_FLAGS: Readonly<Record<string, string>> = { i: 'i', m: 'm', s: 's' };

/** Throws the reason (for the rule's error message) when the pattern does not compile. */
export function compileSigmaRegex(pattern: string, modifierFlags: string): RegExp {
  let source = pattern;
  const flags = new Set(modifierFlags);
  const leading = LEADING_FLAGS.exec(pattern);
  if (leading) {
    for (const letter of leading[1]) {
      const flag = SIGMA_FLAGS[letter];
      if (!flag)
        throw new Error(`inline flag "${letter}" in "${leading[0]}" is not supported (i, m and s are)`);
      flags.add(flag);
    }
    source = pattern.slice(leading[0].length);
  }
  try {
    return new RegExp(source, [...flags].join(''));
  } catch (error) {
    if (INLINE_FLAGS.test(source)) {
      throw new Error(
        'inline flags are read only at the start of the pattern, e.g. "(?i)drop"; elsewhere or scoped, use the re|i, re|m or re|s modifiers on the whole pattern',
        { cause: error },
      );
    }
    throw new Error(`invalid regular expression: ${(error as Error).message}`, { cause: error });
  }
}
