// Reading HTTP/1.1 messages off a socket just far enough to know where each
// ends (Content-Length or chunked) and what a benchmark needs of it: a
// response's status, a request's method and target, whether the connection
// closes after it, and the body. The benchmarks' lean client reads responses
// with it and their receiver reads requests, so neither spends on a full
// HTTP stack CPU that the code under test would otherwise get.

const CRLF2 = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** One message, as far as it has been read. */
export interface HttpMessage {
  /** A response's status; 0 for a request. */
  status: number;
  /** A request's method and target; empty for a response. */
  method: string;
  target: string;
  close: boolean;
  body: Buffer[];
}

interface Reading extends HttpMessage {
  /** Bytes of body still to come (Content-Length), or -1 while chunked. */
  remaining: number;
  chunked: boolean;
}

type Kind = 'request' | 'response';

/** Parses a message head; null if it is malformed. */
function parseHead(kind: Kind, head: string): Reading | null {
  const lines = head.split('\r\n');
  const first = lines[0] ?? '';
  const r: Reading = {status: 0, method: '', target: '', close: false, body: [], remaining: 0, chunked: false};
  if (kind === 'response') {
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(first);
    if (!m) return null;
    r.status = Number(m[2]);
    r.close = m[1] === '0';
  } else {
    const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(first);
    if (!m) return null;
    r.method = m[1]!;
    r.target = m[2]!;
    r.close = m[3] === '0';
  }
  let length = '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') length = value;
    else if (name === 'transfer-encoding') r.chunked = value.toLowerCase().includes('chunked');
    else if (name === 'connection') r.close = value.toLowerCase() === 'close';
  }
  // These never have a body, whatever their headers say.
  if (kind === 'response' && (r.status === 204 || r.status === 304 || r.status < 200)) return {...r, chunked: false, remaining: 0};
  if (r.chunked) r.remaining = -1;
  else if (length !== '') {
    if (!/^\d+$/.test(length)) return null;
    r.remaining = Number(length);
    if (!Number.isSafeInteger(r.remaining)) return null;
  }
  return r;
}

/**
 * One connection's reader: feed() takes what the socket delivered and returns
 * the next finished message, or null while none is. Bytes after a request stay
 * for the next one (feed an empty buffer to take it); after a response they are
 * an error, since the lean client never pipelines.
 */
export class HttpReader {
  private pending: Buffer = EMPTY;
  private reading: Reading | null = null;

  constructor(
    private readonly kind: Kind,
    private readonly maxHead = 64 * 1024,
  ) {}

  feed(chunk: Buffer): HttpMessage | null {
    if (chunk.length) this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (!this.reading) {
      const end = this.pending.indexOf(CRLF2);
      if (end < 0) {
        if (this.pending.length > this.maxHead) throw new Error(`${this.kind} head over ${this.maxHead / 1024} KiB`);
        return null;
      }
      const head = parseHead(this.kind, this.pending.toString('latin1', 0, end));
      if (!head) throw new Error(`malformed ${this.kind} head: ${JSON.stringify(this.pending.toString('latin1', 0, Math.min(end, 200)))}`);
      this.pending = this.pending.subarray(end + 4);
      // An interim (1xx) response precedes the real one.
      if (this.kind === 'request' || head.status >= 200) this.reading = head;
    }
    const r = this.reading;
    if (!r.chunked) {
      if (this.pending.length < r.remaining) return null;
      if (r.remaining) r.body.push(this.pending.subarray(0, r.remaining));
      return this.finish(r.remaining);
    }
    // Chunked: size line, data, CRLF, until the zero-size chunk and its trailer.
    for (;;) {
      const eol = this.pending.indexOf('\r\n');
      if (eol < 0) return null;
      const sizeText = this.pending.toString('latin1', 0, eol).split(';')[0]!.trim();
      const size = /^[0-9a-fA-F]+$/.test(sizeText) ? parseInt(sizeText, 16) : NaN;
      if (!Number.isSafeInteger(size)) throw new Error('malformed chunk size');
      if (size === 0) {
        // The size line's CRLF, any trailer fields, and the empty line that ends them.
        const end = this.pending.indexOf(CRLF2, eol);
        if (end < 0) return null;
        return this.finish(end + 4);
      }
      if (this.pending.length < eol + 2 + size + 2) return null;
      r.body.push(this.pending.subarray(eol + 2, eol + 2 + size));
      this.pending = this.pending.subarray(eol + 2 + size + 2);
    }
  }

  /** Ends the message being read, whose last byte is at `end` - 1 of what is pending. */
  private finish(end: number): HttpMessage {
    const r = this.reading!;
    this.reading = null;
    const rest = this.pending.subarray(end);
    if (rest.length && this.kind === 'response') throw new Error('bytes after the response (the server answered more than once)');
    this.pending = rest.length ? rest : EMPTY;
    return {status: r.status, method: r.method, target: r.target, close: r.close, body: r.body};
  }
}
