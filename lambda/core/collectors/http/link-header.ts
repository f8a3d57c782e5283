/**
 * The `rel="next"` target of a `Link` header (RFC 8288), resolved against the request's URL. Also
 * reads the bare form `https://…?after=…; rel="next"` (no angle brackets), which Cirrus Identity's
 * example client expects. Commas inside `<…>` do not separate links.
 */
export function nextLink(header: string | readonly string[] | undefined, base: URL): URL | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header as string];
  for (const value of values) {
    for (const link of splitLinks(value)) {
      const parsed = parseLink(link);
      if (parsed && parsed.rels.includes('next')) {
        try {
          return new URL(parsed.target, base);
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

function splitLinks(value: string): string[] {
  const links: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '"' && depth === 0) quoted = !quoted;
    else if (!quoted && char === '<') depth += 1;
    else if (!quoted && char === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && char === ',') {
      links.push(value.slice(start, i));
      start = i + 1;
    }
  }
  links.push(value.slice(start));
  return links.map((link) => link.trim()).filter((link) => link.length > 0);
}

function parseLink(link: string): { target: string; rels: string[] } | undefined {
  let target: string;
  let rest: string;
  if (link.startsWith('<')) {
    const close = link.indexOf('>');
    if (close === -1) return undefined;
    target = link.slice(1, close).trim();
    rest = link.slice(close + 1);
  } else {
    const semicolon = link.indexOf(';');
    if (semicolon === -1) return undefined;
    target = link.slice(0, semicolon).trim();
    rest = link.slice(semicolon);
  }
  const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(rest);
  if (!rel || target === '') return undefined;
  return { target, rels: (rel[1] ?? rel[2]).toLowerCase().split(/\s+/) };
}

/**
 * A continuation URL may be followed with the collector's credentials only on the API's own origin:
 * a next link pointing elsewhere (a compromised or misconfigured API) must not receive them.
 */
export function sameOrigin(candidate: URL, api: URL): boolean {
  return candidate.origin === api.origin;
}
