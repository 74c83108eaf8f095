// IP addresses, CIDR ranges and the client address of a request.
//
// Parsing is strict on purpose (an allow-list that silently reads "010.0.0.1" as
// 8.0.0.1, or accepts "1.2.3.4.5", lets the wrong clients in): IPv4 must be a
// dotted quad without leading zeros, IPv6 follows RFC 4291 text forms including
// "::" and a dotted IPv4 tail; zone ids are not addresses. IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d, what a dual-stack socket reports) match IPv4 rules.
//
// X-Forwarded-For is believed only when the server is configured as being behind
// a proxy. Each proxy appends the address it saw, so the list is read from the
// right: entries added by trusted proxies are skipped and the first other entry
// is the client. Anything left of it was written by the client and is ignored.

export interface IpAddress {
  readonly version: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
}

export interface Cidr {
  readonly network: IpAddress;
  readonly prefix: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): Uint8Array | null {
  const m = V4.exec(text);
  if (!m) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1]!;
    if (part.length > 1 && part[0] === '0') return null;
    const n = Number(part);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseV4(p);
      if (!v4) return null;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (HEX_GROUP.test(p)) out.push(parseInt(p, 16));
    else return null;
  }
  return out;
}

function parseV6(text: string): Uint8Array | null {
  if (text.length > 45 || !text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!);
    const tail = parseGroups(halves[1]!);
    // A dotted tail is only allowed at the very end, never before "::".
    if (!head || !tail || halves[0]!.includes('.') || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Parses a bare IPv4 or IPv6 address; null if it is not exactly one. */
export function parseIp(text: string): IpAddress | null {
  const s = text.trim();
  const v4 = parseV4(s);
  if (v4) return {version: 4, bytes: v4};
  const v6 = parseV6(s);
  return v6 ? {version: 6, bytes: v6} : null;
}

/** ::ffff:a.b.c.d as the IPv4 address a.b.c.d; anything else unchanged. */
export function unmapIp(ip: IpAddress): IpAddress {
  if (ip.version !== 6) return ip;
  const b = ip.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return ip;
  if (b[10] !== 0xff || b[11] !== 0xff) return ip;
  return {version: 4, bytes: b.slice(12)};
}

export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return [...ip.bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  // RFC 5952: compress the longest run of two or more zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** "10.0.0.0/8", "2001:db8::/32", or a bare address (a single-host range). Host bits are cleared. */
export function parseCidr(text: string): Cidr | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    prefix = Number(p);
    if (prefix > max) return null;
  }
  let network = ip;
  // An IPv4-mapped range is an IPv4 range, so it matches what unmapIp produces.
  const unmapped = unmapIp(ip);
  if (unmapped !== ip && prefix >= 96) [network, prefix] = [unmapped, prefix - 96];
  const bytes = network.bytes.slice();
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return {network: {version: network.version, bytes}, prefix};
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  const ip = unmapIp(address);
  if (ip.version !== cidr.network.version) return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== cidr.network.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip.bytes[full]! & mask) === cidr.network.bytes[full];
}

/** A set of addresses and ranges. */
export class IpAllowList {
  private constructor(readonly ranges: readonly Cidr[]) {}

  /** Parses every entry; the ones that are not addresses or ranges come back in `invalid`. */
  static parse(entries: readonly string[]): {list: IpAllowList; invalid: string[]} {
    const ranges: Cidr[] = [];
    const invalid: string[] = [];
    for (const e of entries) {
      if (!e.trim()) continue;
      const c = parseCidr(e);
      if (c) ranges.push(c);
      else invalid.push(e);
    }
    return {list: new IpAllowList(ranges), invalid};
  }

  get size(): number {
    return this.ranges.length;
  }

  contains(ip: IpAddress): boolean {
    return this.ranges.some((r) => cidrContains(r, ip));
  }
}

/**
 * The address in "1.2.3.4:80", "[::1]:80", "[fe80::1%eth0]:80", "::1" or "1.2.3.4"
 * (Go's RemoteAddr and X-Forwarded-For entries); null when there is none.
 */
export function parseHostPort(text: string): IpAddress | null {
  let s = text.trim();
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) s = s.slice(1, -1);
  let host: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return null;
    const after = s.slice(end + 1);
    if (after !== '' && !/^:\d{1,5}$/.test(after)) return null;
    host = s.slice(1, end);
  } else {
    const colons = s.split(':').length - 1;
    if (colons === 1) {
      const [h, port] = s.split(':') as [string, string];
      if (!/^\d{1,5}$/.test(port)) return null;
      host = h;
    } else host = s;
  }
  // A zone names the interface, not the host; allow-lists match the address alone.
  const zone = host.indexOf('%');
  if (zone >= 0) host = host.slice(0, zone);
  return parseIp(host);
}

export interface ClientIpOptions {
  /** The server sits behind reverse proxies that append to X-Forwarded-For. */
  behindProxy?: boolean;
  /**
   * Addresses or ranges of those proxies. Empty: exactly one proxy, and the
   * connection comes from it, so the rightmost entry is the client.
   */
  trustedProxies?: readonly string[];
}

/** The client address of a request; null when it cannot be told (treat as not allowed). */
export function clientIp(req: {remoteAddr: string; headers: Readonly<Record<string, readonly string[]>>}, options: ClientIpOptions = {}): IpAddress | null {
  const peer = parseHostPort(req.remoteAddr);
  if (!options.behindProxy || !peer) return peer;
  const proxies = options.trustedProxies?.length ? IpAllowList.parse(options.trustedProxies).list : null;
  // When the proxies are known, a connection from anywhere else did not pass through them.
  if (proxies && !proxies.contains(peer)) return peer;
  const forwarded = (req.headers['x-forwarded-for'] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (forwarded.length === 0) return peer;
  if (!proxies) return parseHostPort(forwarded[forwarded.length - 1]!);
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = parseHostPort(forwarded[i]!);
    if (!hop) return null;
    if (!proxies.contains(hop)) return hop;
  }
  // Every hop is a proxy: the leftmost one is as close to the client as we can tell.
  return parseHostPort(forwarded[0]!);
}
