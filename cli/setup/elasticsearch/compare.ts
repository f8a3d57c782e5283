/**
 * Whether what the cluster holds already says everything sluice would write. The cluster answers a
 * `GET` with more than was `PUT` (defaults such as `allow_restricted_indices`, ISM's `retry`, ILM's
 * `min_age: 0ms`, `policy_id`, `last_updated_time`), so "the same" means: every field sluice sets is
 * there with the same value. Arrays must match element for element (a role naming one data stream more
 * or less is a different role); objects may hold more keys.
 */
export function includes(current: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(current) &&
      current.length === desired.length &&
      desired.every((item, index) => includes(current[index], item))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
    const have = current as Record<string, unknown>;
    return Object.entries(desired).every(([key, value]) => key in have && includes(have[key], value));
  }
  return current === desired;
}

/**
 * Index settings as dotted `index.*` keys with string values: a `GET` of a template answers
 * `{"index": {"lifecycle": {"name": "p"}}}` for a `PUT` of `{"index.lifecycle.name": "p"}`, and numbers
 * come back as strings.
 */
export function flatSettings(settings: unknown): Record<string, string> {
  const flat: Record<string, string> = {};
  const walk = (value: unknown, path: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    const key = path.startsWith('index.') ? path : `index.${path}`;
    flat[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  };
  if (settings !== undefined && settings !== null) walk(settings, '');
  return flat;
}
