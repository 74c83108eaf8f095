// Files the sandbox serves as they are: the page, its script and style, and the
// plugin's webapp bundle at the kind of path the server gives plugin bundles.

import {createReadStream, statSync} from 'node:fs';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {extname} from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, headers: Record<string, string | string[]> = {}): void {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    res.writeHead(404, {'Content-Type': 'text/plain; charset=utf-8'}).end(`${file} is missing; build it first (make sandbox).\n`);
    return;
  }
  // The files change while someone works on them: always revalidate.
  res.writeHead(200, {'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size, 'Cache-Control': 'no-cache', ...headers});
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
