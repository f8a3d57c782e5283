import { usageError } from '../shared/errors';

/**
 * `--query key=value,…` as the Cirrus client takes it: comma-separated exact-match terms. A value may
 * hold `=` (only the first one splits); an empty key, a term without `=` or a key given twice is refused.
 */
export function parseQueryArg(value: string): Record<string, string> {
  const terms: Record<string, string> = {};
  for (const term of value.split(',')) {
    if (term.trim() === '') continue;
    const at = term.indexOf('=');
    const key = at < 0 ? '' : term.slice(0, at).trim();
    if (key === '') {
      throw usageError(`--query term '${term}' is not key=value. Fix: e.g. --query service=idp,user=alice`);
    }
    if (Object.hasOwn(terms, key)) throw usageError(`--query names '${key}' twice`);
    terms[key] = term.slice(at + 1);
  }
  return terms;
}
