// Shared fixtures for the plugin's tests: an in-memory Mattermost with a small
// world (a team, public and private channels, an admin and two users) and a way
// to send HTTP requests to the plugin as the server would (path without the
// /plugins/<id> prefix, Mattermost-User-Id for authenticated calls).

import {Readable} from 'node:stream';
import type {PluginRequest} from '../mattermost/http.js';
import {CapturedResponse} from '../mattermost/testing.js';
import {MemoryMattermost} from '../mattermost/memory.js';
import type {Channel, Team, User} from '../mattermost/model.js';
import {directDelivery, HookbridgePlugin, type HookbridgeOptions} from '../plugin.js';
import {acceptAll} from '../webhooks/incoming-guard.js';

export interface World {
  mm: MemoryMattermost;
  plugin: HookbridgePlugin;
  team: Team;
  otherTeam: Team;
  town: Channel;
  offTopic: Channel;
  secret: Channel;
  admin: User;
  alice: User;
  bob: User;
}

export interface WorldOptions {
  config?: Record<string, unknown>;
  plugin?: HookbridgeOptions;
  /** Another node sharing this Mattermost (cluster tests). */
  mm?: MemoryMattermost;
}

export async function makeWorld(options: WorldOptions = {}): Promise<World> {
  const mm = options.mm ?? new MemoryMattermost({config: {AllowedInternalHosts: '127.0.0.1', ...options.config}});
  let world: Omit<World, 'plugin'>;
  if (options.mm) {
    const find = <T extends {Name?: string; Username?: string}>(m: Map<string, T>, name: string): T => [...m.values()].find((x) => x.Name === name || x.Username === name)!;
    world = {
      mm,
      team: find(mm.teams, 'core'),
      otherTeam: find(mm.teams, 'elsewhere'),
      town: find(mm.channels, 'town-square'),
      offTopic: find(mm.channels, 'off-topic'),
      secret: find(mm.channels, 'secret'),
      admin: find(mm.users, 'admin'),
      alice: find(mm.users, 'alice'),
      bob: find(mm.users, 'bob'),
    };
  } else {
    const team = mm.addTeam({Name: 'core', DisplayName: 'Core'});
    const otherTeam = mm.addTeam({Name: 'elsewhere'});
    const town = mm.addChannel({Name: 'town-square', TeamId: team.Id});
    const offTopic = mm.addChannel({Name: 'off-topic', TeamId: team.Id});
    const secret = mm.addChannel({Name: 'secret', TeamId: team.Id, Type: 'P'});
    const admin = mm.addUser({Username: 'admin', Roles: 'system_admin system_user'});
    const alice = mm.addUser({Username: 'alice'});
    const bob = mm.addUser({Username: 'bob'});
    for (const u of [admin, alice, bob]) mm.join(u.Id, team.Id);
    mm.join(alice.Id, secret.Id);
    world = {mm, team, otherTeam, town, offTopic, secret, admin, alice, bob};
  }
  // Mattermost's own delivery unless a test asks for the queue: most tests pin native behaviour.
  const plugin = new HookbridgePlugin({checkIncoming: acceptAll, backgroundSync: false, delivery: directDelivery, ...options.plugin});
  plugin.setAPI(mm);
  await plugin.onActivate();
  return {...world, plugin};
}

export interface FakeRequest {
  method?: string;
  path: string;
  userId?: string;
  headers?: Record<string, string>;
  /** Objects are sent as JSON (with Content-Type: application/json unless given). */
  body?: string | Buffer | object;
}

export interface FakeResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

export function fakeRequest(r: FakeRequest): PluginRequest {
  const url = new URL(r.path, 'http://plugin.invalid');
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = [v];
  let body: Buffer;
  if (r.body === undefined) body = Buffer.alloc(0);
  else if (typeof r.body === 'string') body = Buffer.from(r.body);
  else if (Buffer.isBuffer(r.body)) body = r.body;
  else {
    body = Buffer.from(JSON.stringify(r.body));
    headers['content-type'] ??= ['application/json'];
  }
  headers['content-length'] ??= [String(body.length)];
  if (r.userId) headers['mattermost-user-id'] = [r.userId];
  return {
    method: (r.method ?? (r.body !== undefined ? 'POST' : 'GET')).toUpperCase(),
    url: url.pathname + url.search,
    path: url.pathname,
    query: url.searchParams,
    proto: 'HTTP/1.1',
    host: 'localhost',
    remoteAddr: '127.0.0.1:50000',
    headers,
    userId: r.userId ?? '',
    context: {},
    body: Readable.from(body.length > 0 ? [body] : []),
    header: (name: string) => headers[name.toLowerCase()]?.[0],
  };
}

export async function call(plugin: HookbridgePlugin, r: FakeRequest): Promise<FakeResult> {
  const res = new CapturedResponse();
  await plugin.serveHTTP({}, fakeRequest(r), res);
  const text = res.body.toString('utf8');
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // Not every answer is JSON ("ok").
  }
  const headers = Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v.join(', ')]));
  return {status: res.statusCode, headers, text, json};
}

/** Creates an outgoing hook through the REST API and returns its JSON. */
export async function createOutgoing(w: World, hook: Record<string, unknown>, userId = w.admin.Id): Promise<Record<string, unknown>> {
  const res = await call(w.plugin, {path: '/api/v1/hooks/outgoing', userId, body: {team_id: w.team.Id, callback_urls: ['http://127.0.0.1:9/hook'], ...hook}});
  if (res.status !== 201) throw new Error(`create outgoing: ${res.status} ${res.text}`);
  return res.json as Record<string, unknown>;
}

export async function createIncoming(w: World, hook: Record<string, unknown> = {}, userId = w.admin.Id): Promise<Record<string, unknown>> {
  const res = await call(w.plugin, {path: '/api/v1/hooks/incoming', userId, body: {channel_id: w.town.Id, display_name: 'CI', ...hook}});
  if (res.status !== 201) throw new Error(`create incoming: ${res.status} ${res.text}`);
  return res.json as Record<string, unknown>;
}
