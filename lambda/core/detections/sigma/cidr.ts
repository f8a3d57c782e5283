/**
 * The `cidr` modifier: IPv4 and IPv6 networks, parsed once per rule. A record's address is parsed
 * without allocating for IPv4 (the common case); an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`)
 * matches IPv4 networks too, since dual-stack listeners log addresses that way.
 */

export type AddressTest = (text: string) => boolean;

/** Dotted quad between `start` and `end` as an unsigned 32-bit number, or -1. No leading zeros (octal ambiguity). */
function parseIPv4(text: string, start: number, end: number): number {
  let value = 0;
  let octets = 0;
  let digits = 0;
  let octet = 0;
  for (let i = start; i <= end; i += 1) {
    const code = i === end ? 46 : text.charCodeAt(i); // a virtual '.' closes the last octet
    if (code === 46) {
      if (digits === 0 || octet > 255 || octets === 4) return -1;
      value = value * 256 + octet;
      octets += 1;
      digits = 0;
      octet = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (code - 48);
      digits += 1;
      if (digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return octets === 4 ? value : -1;
}

function parseGroups(part: string, out: number[]): boolean {
  if (part === '') return true;
  for (const group of part.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
    out.push(parseInt(group, 16));
  }
  return true;
}

/** Eight 16-bit groups, or undefined. Zone ids (`%eth0`) are not addresses of a network: refused. */
function parseIPv6(text: string): number[] | undefined {
  if (text.length < 2 || text.length > 45 || text.includes('%')) return undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  let body = text;
  const embedded: number[] = [];
  if (text.indexOf('.', lastColon) !== -1) {
    // An IPv4 tail (`::ffff:10.1.2.3`, `64:ff9b::192.0.2.1`) stands for the last two groups.
    const v4 = parseIPv4(text, lastColon + 1, text.length);
    if (v4 < 0) return undefined;
    embedded.push(Math.floor(v4 / 65536), v4 % 65536);
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head: number[] = [];
  const after: number[] = [];
  if (!parseGroups(halves[0], head)) return undefined;
  if (halves.length === 1) {
    head.push(...embedded);
    return head.length === 8 ? head : undefined;
  }
  if (!parseGroups(halves[1], after)) return undefined;
  after.push(...embedded);
  if (head.length + after.length > 7) return undefined;
  while (head.length + after.length < 8) head.push(0);
  return [...head, ...after];
}

function v4MaskedEquals(address: number, network: number, prefix: number): boolean {
  if (prefix === 0) return true;
  const shift = 32 - prefix;
  return Math.floor(address / 2 ** shift) === Math.floor(network / 2 ** shift);
}

function v6MaskedEquals(address: readonly number[], network: readonly number[], prefix: number): boolean {
  for (let group = 0, bits = prefix; bits > 0; group += 1, bits -= 16) {
    const take = Math.min(16, bits);
    const shift = 16 - take;
    if (address[group] >> shift !== network[group] >> shift) return false;
  }
  return true;
}

function v6HasHostBits(groups: readonly number[], prefix: number): boolean {
  for (let group = 0; group < 8; group += 1) {
    const kept = Math.max(0, Math.min(16, prefix - group * 16));
    if ((groups[group] & (0xffff >> kept)) !== 0) return true;
  }
  return false;
}

/** The IPv4 address inside `::ffff:a.b.c.d`, or -1. */
function mappedIPv4(groups: readonly number[]): number {
  for (let i = 0; i < 5; i += 1) if (groups[i] !== 0) return -1;
  return groups[5] === 0xffff ? groups[6] * 65536 + groups[7] : -1;
}

/**
 * Compiles `10.0.0.0/8` or `2001:db8::/32`. Throws a reason on bad input, host bits set below the
 * prefix included (`10.0.0.1/8`): the author meant either the network or the one address, and pySigma
 * (Python's strict ip_network) refuses it too, so a rule that compiles here compiles there.
 */
export function compileCidr(cidr: string): AddressTest {
  const slash = cidr.indexOf('/');
  if (slash < 0) throw new Error(`"${cidr}" is not a CIDR network: expected address/prefix, e.g. 10.0.0.0/8`);
  const address = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) throw new Error(`"${cidr}" has no valid prefix length after "/"`);
  const prefix = Number(prefixText);
  const v4 = parseIPv4(address, 0, address.length);
  if (v4 >= 0) {
    if (prefix > 32) throw new Error(`"${cidr}": an IPv4 prefix is at most 32`);
    const hostBits = prefix === 32 ? 0 : v4 % 2 ** (32 - prefix);
    if (hostBits !== 0) {
      const network = [24, 16, 8, 0].map((shift) => Math.floor((v4 - hostBits) / 2 ** shift) % 256).join('.');
      throw new Error(
        `"${cidr}" has host bits set after the /${prefix} prefix: did you mean ${network}/${prefix}, or ${address}/32 for the one address?`,
      );
    }
    return (text) => {
      if (typeof text !== 'string') return false;
      let value = text.length <= 15 ? parseIPv4(text, 0, text.length) : -1;
      if (value < 0 && text.includes(':')) {
        const groups = parseIPv6(text);
        value = groups ? mappedIPv4(groups) : -1;
      }
      return value >= 0 && v4MaskedEquals(value, v4, prefix);
    };
  }
  const v6 = parseIPv6(address);
  if (!v6) throw new Error(`"${cidr}": "${address}" is not an IPv4 or IPv6 address`);
  if (prefix > 128) throw new Error(`"${cidr}": an IPv6 prefix is at most 128`);
  if (v6HasHostBits(v6, prefix)) {
    throw new Error(
      `"${cidr}" has host bits set after the /${prefix} prefix: clear them (the network), or use ${address}/128 for the one address`,
    );
  }
  return (text) => {
    if (typeof text !== 'string' || !text.includes(':')) return false;
    const groups = parseIPv6(text);
    return groups !== undefined && v6MaskedEquals(groups, v6, prefix);
  };
}

export const forTests = { parseIPv4, parseIPv6 };
