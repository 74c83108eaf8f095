// Host side of Plugin.ServeHTTP (server/public/plugin/client_rpc.go hooksRPCClient.
// ServeHTTP, http.go httpResponseWriterRPCServer, io_rpc.go serveIOReader):
//
//   1. NextId + Accept, then serve the response writer as service `Plugin` on it
//      (Header, SyncHeader, WriteHeader, Write), which the plugin calls one by one;
//   2. NextId + Accept for the request body, served with io_rpc;
//   3. call Plugin.ServeHTTP with Z_ServeHTTPArgs and return when it returns.
//
// Headers are held back until the first Write or the end, as Go's ResponseWriter
// does, then each Write goes to the sink and is answered only once the sink has
// taken it: the plugin waits for that answer, so a slow client slows the plugin.

import type {Readable} from 'node:stream';
import {GoMarshaled} from '../../server/wire/gob/index.js';
import type {MuxBroker} from '../../server/wire/goplugin/index.js';
import {emptyStruct, RpcServer, type Method, type RpcClient, type Service} from '../../server/wire/netrpc/index.js';
import type {Context} from '../../server/mattermost/model.js';
import {serveIOReader} from './io-rpc.js';
import {headerType, serveHTTPArgs} from './shapes.js';

export type HeaderMap = Record<string, string[]>;

/** The request as the host forwards it (already rewritten the way ServePluginRequest rewrites it). */
export interface ForwardedRequest {
  method: string;
  /** What the plugin sees as r.URL: the path without /plugins/<id>, plus the query. */
  url: string;
  /** The original request line target. */
  requestURI: string;
  /** Canonical header names. */
  headers: HeaderMap;
  host: string;
  remoteAddr: string;
  body: Readable;
  context: Context;
}

/** Where the response goes: a Node response, or a buffer for server-internal calls. */
export interface ResponseSink {
  readonly headersSent: boolean;
  writeHead(status: number, headers: HeaderMap): void;
  /** Resolves once the chunk is taken (drained); rejects if the client is gone. */
  write(chunk: Uint8Array): Promise<void>;
  end(): void;
}

/** Go's http.CanonicalHeaderKey for the common token case. */
export function canonicalHeaderKey(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join('-');
}

/** A small part of http.DetectContentType: what a plugin forgetting Content-Type gets in practice. */
export function sniffContentType(data: Uint8Array): string {
  const head = Buffer.from(data.subarray(0, 512)).toString('latin1').trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<body')) return 'text/html; charset=utf-8';
  if (head.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  if (head.startsWith('%pdf-')) return 'application/pdf';
  if (data.length >= 8 && Buffer.from(data.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  for (const b of data.subarray(0, 512)) if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

export class ResponseWriterService {
  private header = new Map<string, string[]>();
  private status = 0;
  private committed = false;
  private finished = false;

  constructor(private readonly sink: ResponseSink) {}

  private check(): void {
    if (this.finished) throw new Error('the HTTP response is already finished');
  }

  private commit(firstChunk?: Uint8Array): void {
    if (this.committed) return;
    this.committed = true;
    if (firstChunk && firstChunk.length > 0 && !this.header.has('Content-Type') && !this.header.has('Content-Encoding')) {
      this.header.set('Content-Type', [sniffContentType(firstChunk)]);
    }
    this.sink.writeHead(this.status || 200, Object.fromEntries(this.header));
  }

  /** The response writer as net/rpc service `Plugin`. */
  readonly service: Service = writerService(this);

  headerMap(): HeaderMap {
    return Object.fromEntries(this.header);
  }

  syncHeader(raw: unknown): object {
    this.check();
    const next = new Map<string, string[]>();
    for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
      if (Array.isArray(v)) next.set(k, v.map(String));
    }
    this.header = next;
    return {};
  }

  writeHeader(raw: unknown): object {
    this.check();
    const code = typeof raw === 'bigint' ? Number(raw) : Number(raw ?? 0);
    if (code < 100 || code > 999) throw new Error('invalid http status code');
    // Informational codes don't end the header phase; a second WriteHeader is ignored (Go logs it).
    if ((code < 200 && code !== 101) || this.status) return {};
    this.status = code;
    return {};
  }

  async write(raw: unknown): Promise<object> {
    this.check();
    const data = raw instanceof Uint8Array ? raw : new Uint8Array(0);
    this.commit(data);
    if (data.length > 0) await this.sink.write(data);
    return {};
  }

  /** ServeHTTP returned: later calls fail, and the response is completed. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.commit();
    this.sink.end();
  }

  /** ServeHTTP failed before anything was sent: answer like Go's http.Error(w, …, 500). */
  async fail(): Promise<void> {
    if (this.committed) return this.finish();
    this.finished = true;
    this.committed = true;
    this.sink.writeHead(500, {'Content-Type': ['text/plain; charset=utf-8'], 'X-Content-Type-Options': ['nosniff']});
    await this.sink.write(Buffer.from('500 internal server error\n')).catch(() => undefined);
    this.sink.end();
  }

  get headersSent(): boolean {
    return this.committed;
  }
}

// The service's methods are shared; each request's Method objects only point at
// their writer (no closures are built per request).
interface WriterMethod extends Method {
  readonly writer: ResponseWriterService;
}

function headerHandle(this: WriterMethod): unknown {
  return this.writer.headerMap();
}
function syncHeaderHandle(this: WriterMethod, raw: unknown): unknown {
  return this.writer.syncHeader(raw);
}
function writeHeaderHandle(this: WriterMethod, raw: unknown): unknown {
  return this.writer.writeHeader(raw);
}
function writeHandle(this: WriterMethod, raw: unknown): Promise<unknown> {
  return this.writer.write(raw);
}

function writerService(writer: ResponseWriterService): Service {
  const methods: Record<string, WriterMethod> = {
    Header: {reply: headerType, writer, handle: headerHandle},
    SyncHeader: {reply: emptyStruct, writer, handle: syncHeaderHandle},
    WriteHeader: {reply: emptyStruct, writer, handle: writeHeaderHandle},
    Write: {reply: emptyStruct, writer, handle: writeHandle},
  };
  return methods;
}

export interface ServeHTTPResult {
  /** Set when Plugin.ServeHTTP itself failed (the host then answers 500 if it still can). */
  error: Error | null;
}

export async function callServeHTTP(hooks: RpcClient, broker: MuxBroker, req: ForwardedRequest, sink: ResponseSink, onError: (where: string, err: unknown) => void = () => {}): Promise<ServeHTTPResult> {
  const writer = new ResponseWriterService(sink);
  const responseId = broker.nextId();
  const served = broker.accept(responseId).then(
    (stream) => new RpcServer().register('Plugin', writer.service).serve(stream, {onError: (err) => onError('response writer stream', err)}),
    (err: unknown) => onError('response writer accept', err),
  );
  void served;

  const bodyId = broker.nextId();
  const body = broker.accept(bodyId).then(
    (stream) => serveIOReader(req.body, stream),
    // A plugin that does not read the body never dials it; that is allowed.
    () => 0,
  );

  const args = {
    ResponseWriterStream: responseId,
    Request: {
      Method: req.method,
      URL: new GoMarshaled('binary', 'URL', Buffer.from(req.url)),
      Proto: 'HTTP/1.1',
      ProtoMajor: 1,
      ProtoMinor: 1,
      Header: req.headers,
      Host: req.host,
      RemoteAddr: req.remoteAddr,
      RequestURI: req.requestURI,
    },
    Context: req.context,
    RequestBodyStream: bodyId,
  };

  let error: Error | null = null;
  try {
    await hooks.call('Plugin.ServeHTTP', args, serveHTTPArgs);
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
    onError('Plugin.ServeHTTP', error);
  }
  if (error) await writer.fail();
  else writer.finish();
  // The body may still be streaming when the plugin answered without reading it all;
  // the caller's request handling discards the rest.
  void body;
  return {error};
}
