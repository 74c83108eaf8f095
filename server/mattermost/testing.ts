// Test doubles for ServeHTTP handlers: a request built from plain values and a
// response that records what the handler sent.
import {Readable} from 'node:stream';
import {buildRequest, canonicalHeaderKey, type PluginRequest, type PluginResponse} from './http.js';

export interface FakeRequestInit {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | object;
  userId?: string;
  remoteAddr?: string;
}

export function fakeRequest(init: FakeRequestInit): PluginRequest {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(init.headers ?? {})) headers[canonicalHeaderKey(k)] = [v];
  if (init.userId) headers['Mattermost-User-Id'] = [init.userId];
  const raw = init.body === undefined ? Buffer.alloc(0) : typeof init.body === 'string' ? Buffer.from(init.body) : init.body instanceof Uint8Array ? Buffer.from(init.body) : Buffer.from(JSON.stringify(init.body));
  if (init.body !== undefined && typeof init.body === 'object' && !(init.body instanceof Uint8Array) && !headers['Content-Type']) headers['Content-Type'] = ['application/json'];
  return buildRequest({Method: init.method ?? 'GET', RequestURI: init.url, Header: headers, RemoteAddr: init.remoteAddr ?? '127.0.0.1:50000', Host: 'localhost'}, {}, Readable.from(raw.length ? [raw] : []));
}

export class CapturedResponse implements PluginResponse {
  statusCode = 200;
  readonly headers = new Map<string, string[]>();
  private readonly chunks: Buffer[] = [];
  headersSent = false;
  ended = false;

  setHeader(name: string, value: string | readonly string[]): void {
    this.headers.set(canonicalHeaderKey(name), typeof value === 'string' ? [value] : [...value]);
  }
  getHeader(name: string): string | undefined {
    return this.headers.get(canonicalHeaderKey(name))?.[0];
  }
  removeHeader(name: string): void {
    this.headers.delete(canonicalHeaderKey(name));
  }
  async write(chunk: string | Uint8Array): Promise<void> {
    this.headersSent = true;
    this.chunks.push(Buffer.from(chunk));
  }
  async end(chunk?: string | Uint8Array): Promise<void> {
    if (chunk !== undefined) await this.write(chunk);
    this.headersSent = true;
    this.ended = true;
  }
  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }
  json<T = unknown>(): T {
    return JSON.parse(this.body.toString('utf8')) as T;
  }
}
