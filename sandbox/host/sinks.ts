// Response sinks for ServeHTTP: a live Node response (streamed, with the socket's
// backpressure) and an in-memory one for requests the server makes to the plugin
// itself (interactive actions and dialog submissions).

import type {ServerResponse} from 'node:http';
import type {HeaderMap, ResponseSink} from './serve-http.js';

// Node computes these itself, or refuses them from a handler.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection']);

/**
 * Like Go's net/http response (its 2 KiB bufio.Writer before chunking): the
 * head and the first bytes are held until they outgrow HOLD_LIMIT or the
 * handler is done, and a response that fits goes out in one write with a
 * Content-Length instead of chunked, in pieces.
 */
const HOLD_LIMIT = 4096;
const RESOLVED: Promise<void> = Promise.resolve();

export class NodeResponseSink implements ResponseSink {
  private status = 0;
  private headers: HeaderMap = {};
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** The head went to the Node response: writes are streamed from here on. */
  private streaming = false;

  constructor(private readonly res: ServerResponse) {}

  get headersSent(): boolean {
    return this.status !== 0 || this.res.headersSent;
  }

  writeHead(status: number, headers: HeaderMap): void {
    if (this.headersSent || this.res.destroyed) return;
    this.status = status;
    this.headers = headers;
  }

  private applyHead(contentLength: number | null): void {
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    for (const name in this.headers) {
      const values = this.headers[name]!;
      if (values.length === 0 || HOP_BY_HOP.has(name.toLowerCase())) continue;
      try {
        res.setHeader(name, values.length === 1 ? values[0]! : values);
      } catch {
        // An invalid header name or value from the plugin is dropped, as a proxy would.
      }
    }
    if (contentLength !== null && !res.hasHeader('content-length') && this.status >= 200 && this.status !== 204 && this.status !== 304) res.setHeader('Content-Length', contentLength);
    res.writeHead(this.status || 200);
  }

  write(chunk: Uint8Array): Promise<void> {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return Promise.reject(new Error('write: broken pipe'));
    if (!this.streaming) {
      if (this.heldBytes + chunk.length <= HOLD_LIMIT) {
        this.held.push(chunk);
        this.heldBytes += chunk.length;
        return RESOLVED;
      }
      this.streaming = true;
      this.applyHead(null);
      for (const c of this.held) res.write(c);
      this.held = [];
    }
    return new Promise((resolve, reject) => {
      const onClose = (): void => {
        cleanup();
        reject(new Error('write: broken pipe'));
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const cleanup = (): void => {
        res.off('close', onClose);
        res.off('drain', onDrain);
      };
      if (res.write(chunk)) resolve();
      else {
        res.on('drain', onDrain);
        res.on('close', onClose);
      }
    });
  }

  end(): void {
    const res = this.res;
    if (res.writableEnded) return;
    if (this.streaming) {
      res.end();
      return;
    }
    const body = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.applyHead(body.length);
    res.end(body);
  }
}

export interface BufferedResponse {
  status: number;
  headers: HeaderMap;
  body: Buffer;
}

export class BufferSink implements ResponseSink {
  status = 0;
  headers: HeaderMap = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly limit = 16 * 1024 * 1024) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get headersSent(): boolean {
    return this.status !== 0;
  }

  writeHead(status: number, headers: HeaderMap): void {
    if (this.status) return;
    this.status = status;
    this.headers = headers;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.size += chunk.length;
    if (this.size > this.limit) throw new Error(`response larger than ${this.limit} bytes`);
    this.chunks.push(Buffer.from(chunk));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveDone();
  }

  async result(): Promise<BufferedResponse> {
    await this.done;
    return {status: this.status || 200, headers: this.headers, body: Buffer.concat(this.chunks)};
  }
}
