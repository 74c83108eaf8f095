// /plugins/<id>/… → the plugin's ServeHTTP, rewritten the way the server's
// ServePluginRequest does it (server/channels/app/plugin_requests.go): client-sent
// Mattermost-User-Id and Mattermost-Plugin-ID are dropped, as are the session
// cookie, Referer and access_token; the /plugins/<id> prefix goes; a valid
// session sets Mattermost-User-Id (unless CSRF failed) and removes Authorization.

import type {IncomingMessage, ServerResponse} from 'node:http';
import {Readable} from 'node:stream';
import type {Context} from '../../server/mattermost/model.js';
import type {HookCaller} from '../host/hooks.js';
import {requestId} from '../host/request-id.js';
import {canonicalHeaderKey, type ForwardedRequest, type HeaderMap} from '../host/serve-http.js';
import {BufferSink, NodeResponseSink, type BufferedResponse} from '../host/sinks.js';
import {SESSION_COOKIE, type Session} from './auth.js';
import {parseCookies} from './util.js';

export interface PluginGateway {
  readonly pluginId: string;
  /** The running plugin, waiting a little if it is (re)starting. */
  ready(): Promise<HookCaller | null>;
  notRunningReason(): string;
}

function remote(req: IncomingMessage): {ip: string; addr: string} {
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  const port = req.socket.remotePort ?? 0;
  return {ip, addr: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`};
}

const canonicalNames = new Map<string, string>();

/** canonicalHeaderKey, remembered: the same few names arrive with every request. */
function canonicalName(lower: string): string {
  let name = canonicalNames.get(lower);
  if (name === undefined) {
    name = canonicalHeaderKey(lower);
    if (canonicalNames.size < 1000) canonicalNames.set(lower, name);
  }
  return name;
}

/** Go keeps Host out of the header map, and joins nothing else. */
function goHeaders(req: IncomingMessage): HeaderMap {
  // No prototype: a header named __proto__ is just a header.
  const out = Object.create(null) as HeaderMap;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (lower === 'host') continue;
    const name = canonicalName(lower);
    const values = out[name];
    if (values) values.push(raw[i + 1]!);
    else out[name] = [raw[i + 1]!];
  }
  return out;
}

function withoutAccessToken(params: URLSearchParams): string {
  params.delete('access_token');
  return params.toString();
}

/**
 * The rewritten request, or null when `url` is not under this plugin's prefix.
 * `parsedURL` is req.url already parsed (against any base) by the caller, who
 * lets it go: its query loses access_token.
 */
export function forwardRequest(pluginId: string, req: IncomingMessage, session: Session | null, body: Readable = req, parsedURL?: URL): ForwardedRequest | null {
  const original = req.url ?? '/';
  const parsed = parsedURL ?? new URL(original, 'http://sandbox.invalid');
  const prefix = `/plugins/${pluginId}`;
  if (parsed.pathname !== prefix && !parsed.pathname.startsWith(`${prefix}/`)) return null;
  const headers = goHeaders(req);
  delete headers['Mattermost-User-Id'];
  delete headers['Mattermost-Plugin-Id'];
  delete headers['Referer'];
  const cookies = req.headers.cookie ? Object.entries(parseCookies(req.headers.cookie)).filter(([k]) => k !== SESSION_COOKIE) : [];
  if (cookies.length) headers['Cookie'] = [cookies.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ')];
  else delete headers['Cookie'];
  // Without a query there is nothing to drop or re-encode.
  const search = parsed.search === '' ? '' : withoutAccessToken(parsed.searchParams);
  const {ip, addr} = remote(req);
  const context: Context = {
    RequestId: requestId(),
    IPAddress: ip,
    AcceptLanguage: req.headers['accept-language'] ?? '',
    UserAgent: req.headers['user-agent'] ?? '',
    ConnectionId: typeof req.headers['connection-id'] === 'string' ? req.headers['connection-id'] : '',
  };
  if (session) {
    delete headers['Authorization'];
    if (session.csrfOK) {
      headers['Mattermost-User-Id'] = [session.user.Id];
      context.SessionId = session.sessionId;
    }
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url: (parsed.pathname.slice(prefix.length) || '') + (search ? `?${search}` : ''),
    requestURI: original,
    headers,
    host: req.headers.host ?? '',
    remoteAddr: addr,
    body,
    context,
  };
}

export async function proxyToPlugin(gateway: PluginGateway, req: IncomingMessage, res: ServerResponse, session: Session | null, parsedURL?: URL): Promise<void> {
  const forwarded = forwardRequest(gateway.pluginId, req, session, req, parsedURL);
  if (!forwarded) {
    res.writeHead(404, {'Content-Type': 'text/plain; charset=utf-8'}).end('404 page not found\n');
    return;
  }
  const hooks = await gateway.ready();
  if (!hooks) {
    const body = JSON.stringify({id: 'app.plugin.not_running', message: `The plugin is not running. ${gateway.notRunningReason()}`.trim(), status_code: 503});
    res.writeHead(503, {'Content-Type': 'application/json'}).end(body);
    return;
  }
  if (!hooks.has('ServeHTTP')) {
    res.writeHead(404, {'Content-Type': 'text/plain; charset=utf-8'}).end('404 page not found\n');
    return;
  }
  await hooks.serveHTTP(forwarded, new NodeResponseSink(res));
}

/**
 * A request the server itself makes to the plugin (App.doPluginRequest): used for
 * interactive actions and dialogs whose URL is a /plugins/<id>/ path. The plugin
 * sees the acting user in Mattermost-User-Id.
 */
export async function requestPlugin(gateway: PluginGateway, pluginPath: string, userId: string, body: Buffer): Promise<BufferedResponse> {
  const hooks = await gateway.ready();
  if (!hooks || !hooks.has('ServeHTTP')) return {status: 404, headers: {}, body: Buffer.from('404 page not found\n')};
  const sink = new BufferSink();
  const headers: HeaderMap = {'Content-Type': ['application/json'], Accept: ['application/json'], 'Content-Length': [String(body.length)]};
  if (userId) headers['Mattermost-User-Id'] = [userId];
  await hooks.serveHTTP(
    {
      method: 'POST',
      url: pluginPath,
      requestURI: pluginPath,
      headers,
      host: '',
      remoteAddr: '',
      body: Readable.from([body], {objectMode: false}),
      context: {RequestId: requestId()},
    },
    sink,
  );
  return sink.result();
}
