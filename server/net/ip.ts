// IP address and CIDR parsing on raw bytes (4 for IPv4, 16 for IPv6), so range
// checks never depend on how an address happens to be spelled.

export type IPBytes = Uint8Array;

export interface CIDR {
  readonly base: IPBytes;
  readonly bits: number;
}

export function parseIPv4(s: string): IPBytes | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // Leading zeros are refused: some resolvers read them as octal, so the
    // same text could mean two different hosts.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

export function parseIPv6(input: string): IPBytes | null {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':')) return null;
  let tail: IPBytes | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

export function parseIP(s: string): IPBytes | null {
  return parseIPv4(s) ?? parseIPv6(s);
}

export function formatIP(ip: IPBytes): string {
  if (ip.length === 4) return ip.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i]! << 8) | ip[i + 1]!).toString(16));
  return groups.join(':');
}

export function parseCIDR(s: string): CIDR | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const base = parseIP(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!base || !/^[0-9]{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > base.length * 8) return null;
  return {base, bits};
}

function prefixEqual(a: IPBytes, b: IPBytes, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rem = bits & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (a[full]! & mask) === (b[full]! & mask);
}

/** Whether `ip` lies in `cidr`; an IPv4 range also covers the IPv4-mapped IPv6 form. */
export function cidrContains(cidr: CIDR, ip: IPBytes): boolean {
  if (cidr.base.length === ip.length) return prefixEqual(cidr.base, ip, cidr.bits);
  if (cidr.base.length === 4 && ip.length === 16) {
    const v4 = mappedIPv4(ip);
    return v4 !== null && prefixEqual(cidr.base, v4, cidr.bits);
  }
  return false;
}

export function ipEqual(a: IPBytes, b: IPBytes): boolean {
  const x = a.length === 16 ? (mappedIPv4(a) ?? a) : a;
  const y = b.length === 16 ? (mappedIPv4(b) ?? b) : b;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** ::ffff:a.b.c.d */
export function mappedIPv4(ip: IPBytes): IPBytes | null {
  if (ip.length !== 16) return null;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return null;
  if (ip[10] !== 0xff || ip[11] !== 0xff) return null;
  return ip.slice(12);
}

/**
 * Every IPv4 address an IPv6 address can carry to a v4 host: mapped
 * (::ffff:0:0/96), the deprecated compatible form (::/96), NAT64
 * (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16).
 */
export function embeddedIPv4(ip: IPBytes): IPBytes[] {
  if (ip.length !== 16) return [];
  const out: IPBytes[] = [];
  const mapped = mappedIPv4(ip);
  if (mapped) out.push(mapped);
  if (ip.subarray(0, 12).every((b) => b === 0)) {
    const v4 = ip.slice(12);
    // ::0 and ::1 are the unspecified and loopback addresses, classified as IPv6.
    if (!(v4[0] === 0 && v4[1] === 0 && v4[2] === 0 && v4[3]! <= 1)) out.push(v4);
  }
  if (prefixEqual(ip, NAT64_WELL_KNOWN.base, 96) || prefixEqual(ip, NAT64_LOCAL.base, 48)) out.push(ip.slice(12));
  if (ip[0] === 0x20 && ip[1] === 0x02) out.push(ip.slice(2, 6));
  return out;
}

const cidr = (s: string): CIDR => parseCIDR(s)!;
const NAT64_WELL_KNOWN = cidr('64:ff9b::/96');
const NAT64_LOCAL = cidr('64:ff9b:1::/48');

const FORBIDDEN_V4: [CIDR, string][] = [
  [cidr('0.0.0.0/8'), 'unspecified'],
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('100.64.0.0/10'), 'carrier-grade NAT'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'link-local'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.0.0.0/24'), 'IETF protocol assignments'],
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('198.18.0.0/15'), 'benchmarking'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('240.0.0.0/4'), 'reserved'],
];

const FORBIDDEN_V6: [CIDR, string][] = [
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('fc00::/7'), 'private'],
  [cidr('fe80::/10'), 'link-local'],
  [cidr('fec0::/10'), 'site-local'],
  [cidr('ff00::/8'), 'multicast'],
];

/** Why an address is internal (loopback, private, link-local…), or null for a public address. */
export function internalReason(ip: IPBytes): string | null {
  if (ip.length === 4) {
    for (const [range, reason] of FORBIDDEN_V4) if (prefixEqual(range.base, ip, range.bits)) return reason;
    return null;
  }
  for (const [range, reason] of FORBIDDEN_V6) if (prefixEqual(range.base, ip, range.bits)) return reason;
  for (const v4 of embeddedIPv4(ip)) {
    const reason = internalReason(v4);
    if (reason) return `${reason} (IPv4 inside IPv6)`;
  }
  return null;
}
