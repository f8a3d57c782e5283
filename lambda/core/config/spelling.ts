/**
 * How the stack spells a configured name in construct ids, statement ids and output names:
 * `portal-1` → `Portal1`. Config validation uses it too, to refuse two names spelled alike.
 */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
