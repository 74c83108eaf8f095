// Response sinks for ServeHTTP: a live Node response (streamed, with the socket's
// backpressure) and an in-memory one for requests the server makes to the plugin
// itself (interactive actions and dialog submissions).

import type {ServerResponse} from 'node:http';
import type {HeaderMap, ResponseSink} from './serve-http.js';

// Node computes these itself, or refuses them from a handler.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection']);

export class NodeResponseSink implements ResponseSink {
  constructor(private readonly res: ServerResponse) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  writeHead(status: number, headers: HeaderMap): void {
    if (this.res.headersSent || this.res.destroyed) return;
    for (const [name, values] of Object.entries(headers)) {
      if (HOP_BY_HOP.has(name.toLowerCase()) || values.length === 0) continue;
      try {
        this.res.setHeader(name, values.length === 1 ? values[0]! : values);
      } catch {
        // An invalid header name or value from the plugin is dropped, as a proxy would.
      }
    }
    this.res.writeHead(status);
  }

  write(chunk: Uint8Array): Promise<void> {
    const res = this.res;
    return new Promise((resolve, reject) => {
      if (res.destroyed || res.writableEnded) {
        reject(new Error('write: broken pipe'));
        return;
      }
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
    if (!this.res.writableEnded) this.res.end();
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
