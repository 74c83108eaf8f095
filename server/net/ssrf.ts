// The SSRF guard: a callback host is resolved before any socket exists, and the
// request is refused when any of its addresses is internal (loopback, private,
// link-local, own interface…) unless an administrator allowed it. Callers then
// connect to the vetted address itself, so a second DNS answer cannot swap it.

import {promises as dns} from 'node:dns';
import {networkInterfaces} from 'node:os';
import {cidrContains, formatIP, internalReason, ipEqual, parseCIDR, parseIP, type CIDR, type IPBytes} from './ip.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) => {
  const answers = await dns.lookup(host, {all: true, verbatim: true});
  return answers.map((a) => ({address: a.address, family: a.family === 6 ? 6 : 4}));
};

let own: {at: number; addresses: string[]} | null = null;
const OWN_ADDRESSES_MS = 5000;

/**
 * The addresses of this machine's own interfaces (a callback must not loop back
 * into the server), read again every few seconds: asking the OS costs more than
 * the rest of a delivery, and interfaces rarely change.
 */
export function ownInterfaceAddresses(now = Date.now()): string[] {
  if (own && now - own.at < OWN_ADDRESSES_MS && now >= own.at) return own.addresses;
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.push(i.address);
  own = {at: now, addresses: out};
  return out;
}

// The own-address list is the same array for a few seconds: parse it once per array.
const parsedOwnCache = new WeakMap<readonly string[], IPBytes[]>();
function parsedOwn(list: readonly string[]): IPBytes[] {
  let parsed = parsedOwnCache.get(list);
  if (!parsed) {
    parsed = list.map((a) => parseIP(a)).filter((a): a is IPBytes => a !== null);
    parsedOwnCache.set(list, parsed);
  }
  return parsed;
}

export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`address forbidden: ${host} resolves to ${address} (${reason}); add the host or a range containing it to Allowed internal hosts to let callbacks reach it`);
  }
}

export class ResolveError extends Error {
  override name = 'ResolveError';
}

/** Host names, addresses and CIDR ranges an administrator lets callbacks reach. */
export class AllowList {
  private readonly hosts = new Set<string>();
  private readonly ips: IPBytes[] = [];
  private readonly ranges: CIDR[] = [];

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      const range = parseCIDR(entry);
      const ip = range ? null : parseIP(entry);
      if (range) this.ranges.push(range);
      else if (ip) this.ips.push(ip);
      else this.hosts.add(entry.toLowerCase().replace(/\.$/, ''));
    }
  }

  allowsHost(host: string): boolean {
    return this.hosts.has(host.toLowerCase().replace(/\.$/, ''));
  }

  allowsIP(ip: IPBytes): boolean {
    return this.ips.some((a) => ipEqual(a, ip)) || this.ranges.some((r) => cidrContains(r, ip));
  }
}

export interface GuardOptions {
  allowList: AllowList;
  resolver?: Resolver;
  /** Defaults to the machine's interfaces, read on every check since they can change. */
  ownAddresses?: () => readonly string[];
}

export class SsrfGuard {
  private readonly allowList: AllowList;
  private readonly resolver: Resolver;
  private readonly ownAddresses: () => readonly string[];

  constructor(options: GuardOptions) {
    this.allowList = options.allowList;
    this.resolver = options.resolver ?? systemResolver;
    this.ownAddresses = options.ownAddresses ?? ownInterfaceAddresses;
  }

  /** The addresses `url` may be reached at; throws ForbiddenAddressError without connecting when any is internal. */
  async vet(url: URL): Promise<ResolvedAddress[]> {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const literal = parseIP(host);
    let addresses: ResolvedAddress[];
    if (literal) {
      addresses = [{address: formatIP(literal), family: literal.length === 4 ? 4 : 6}];
    } else {
      try {
        addresses = await this.resolver(host);
      } catch (err) {
        throw new ResolveError(`could not resolve ${host}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (addresses.length === 0) throw new ResolveError(`could not resolve ${host}: no addresses`);
    }
    const hostAllowed = !literal && this.allowList.allowsHost(host);
    let own: IPBytes[] | null = null;
    const isOwn = (ip: IPBytes): boolean => (own ??= parsedOwn(this.ownAddresses())).some((o) => ipEqual(o, ip));
    // One bad address refuses the host: a name answering with both a public and a
    // private address is exactly how rebinding attacks get a foot in the door.
    for (const a of addresses) {
      const ip = parseIP(a.address);
      if (!ip) throw new ResolveError(`could not resolve ${host}: unusable address ${a.address}`);
      if (hostAllowed || this.allowList.allowsIP(ip)) continue;
      const reason = internalReason(ip) ?? (isOwn(ip) ? "this server's own address" : null);
      if (reason) throw new ForbiddenAddressError(host, a.address, reason);
    }
    return addresses;
  }
}
