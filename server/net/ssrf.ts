// The SSRF guard: a callback host is resolved before any socket exists, and the
// request is refused when any of its addresses is internal (loopback, private,
// link-local, own interface…) unless an administrator allowed it. Callers then
// connect to the vetted address itself, so a second DNS answer cannot swap it.

import {promises as dns} from 'node:dns';
import {networkInterfaces} from 'node:os';
import {rememberBounded} from '../collections/bounded.js';
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

/**
 * How long a host name's answer is reused: well under any real DNS TTL, and long
 * enough that a post firing many hooks at one host resolves it once (a lookup goes
 * through the thread pool and costs more than the rest of a request). Only the
 * answer is reused; it is checked again on every request.
 */
const RESOLVED_MS = 5000;
const RESOLVED_HOSTS = 1000;

/**
 * Parsed forms of the addresses and hosts seen lately. Parsing is pure, so its
 * results are kept (not the verdicts: every request is checked afresh); callback
 * URLs name the same few hosts over and over.
 */
const PARSED_KEPT = 1024;
const parsedAddresses = new Map<string, IPBytes | null>();
const literalHosts = new Map<string, readonly ResolvedAddress[] | null>();

/** parseIP, for addresses that come back again and again. Callers must not change the bytes. */
function addressBytes(address: string): IPBytes | null {
  const hit = parsedAddresses.get(address);
  return hit !== undefined ? hit : rememberBounded(parsedAddresses, address, parseIP(address), PARSED_KEPT);
}

/** A host that is an IP address as the one address to check, or null for a name. */
function literalAddresses(host: string): readonly ResolvedAddress[] | null {
  const hit = literalHosts.get(host);
  if (hit !== undefined) return hit;
  const ip = parseIP(host);
  return rememberBounded(literalHosts, host, ip ? [{address: formatIP(ip), family: ip.length === 4 ? 4 : 6}] : null, PARSED_KEPT);
}

interface Resolution {
  at: number;
  answer: Promise<readonly ResolvedAddress[]>;
  addresses: readonly ResolvedAddress[] | null;
}

export class SsrfGuard {
  private readonly allowList: AllowList;
  private readonly resolver: Resolver;
  private readonly ownAddresses: () => readonly string[];
  private readonly resolved = new Map<string, Resolution>();

  constructor(options: GuardOptions) {
    this.allowList = options.allowList;
    this.resolver = options.resolver ?? systemResolver;
    this.ownAddresses = options.ownAddresses ?? ownInterfaceAddresses;
  }

  /**
   * vet() without waiting, when the addresses are known already (an IP literal,
   * or a name resolved moments ago); undefined when the name must be resolved.
   * Throws ForbiddenAddressError as vet() does.
   */
  vetNow(url: URL): readonly ResolvedAddress[] | undefined {
    const host = hostOf(url);
    const literal = literalAddresses(host);
    if (literal) return this.check(host, false, literal);
    const hit = this.resolved.get(host);
    if (!hit?.addresses || !fresh(hit, Date.now())) return undefined;
    return this.check(host, this.allowList.allowsHost(host), hit.addresses);
  }

  /** The addresses `url` may be reached at; throws ForbiddenAddressError without connecting when any is internal. */
  async vet(url: URL): Promise<readonly ResolvedAddress[]> {
    return this.vetNow(url) ?? this.vetByLookup(url);
  }

  /** vet() for a name vetNow() could not answer: looks it up (or joins a lookup under way). */
  async vetByLookup(url: URL): Promise<readonly ResolvedAddress[]> {
    const host = hostOf(url);
    return this.check(host, this.allowList.allowsHost(host), await this.resolve(host));
  }

  /** Concurrent lookups of one name share one; failures are not kept. */
  private resolve(host: string): Promise<readonly ResolvedAddress[]> {
    const now = Date.now();
    const hit = this.resolved.get(host);
    // A lookup under way is shared; an answer is reused while fresh.
    if (hit && (!hit.addresses || fresh(hit, now))) return hit.answer;
    const answer = this.resolver(host).then(
      (addresses) => {
        if (addresses.length === 0) throw new ResolveError(`could not resolve ${host}: no addresses`);
        return addresses;
      },
      (err: unknown) => {
        throw new ResolveError(`could not resolve ${host}: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    const entry: Resolution = {at: now, answer, addresses: null};
    this.resolved.delete(host);
    this.resolved.set(host, entry);
    if (this.resolved.size > RESOLVED_HOSTS) this.resolved.delete(this.resolved.keys().next().value!);
    answer.then(
      (addresses) => {
        entry.addresses = addresses;
        entry.at = Date.now();
      },
      () => {
        if (this.resolved.get(host) === entry) this.resolved.delete(host);
      },
    );
    return answer;
  }

  private check(host: string, hostAllowed: boolean, addresses: readonly ResolvedAddress[]): readonly ResolvedAddress[] {
    let own: IPBytes[] | null = null;
    const isOwn = (ip: IPBytes): boolean => (own ??= parsedOwn(this.ownAddresses())).some((o) => ipEqual(o, ip));
    // One bad address refuses the host: a name answering with both a public and a
    // private address is exactly how rebinding attacks get a foot in the door.
    for (const a of addresses) {
      const ip = addressBytes(a.address);
      if (!ip) throw new ResolveError(`could not resolve ${host}: unusable address ${a.address}`);
      if (hostAllowed || this.allowList.allowsIP(ip)) continue;
      const reason = internalReason(ip) ?? (isOwn(ip) ? "this server's own address" : null);
      if (reason) throw new ForbiddenAddressError(host, a.address, reason);
    }
    return addresses;
  }
}

function fresh(r: Resolution, now: number): boolean {
  return now >= r.at && now - r.at < RESOLVED_MS;
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
