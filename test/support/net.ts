import {mkdtempSync, rmSync} from 'node:fs';
import {createServer, connect, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** A connected pair of unix-socket ends, as between Mattermost and a plugin. */
export async function socketPair(): Promise<{a: Socket; b: Socket; cleanup: () => void}> {
  const dir = mkdtempSync(join(tmpdir(), 'hb-sock-'));
  const path = join(dir, 's');
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const a = connect(path);
  await new Promise<void>((resolve, reject) => {
    a.once('connect', resolve);
    a.once('error', reject);
  });
  const b = await accepted;
  server.close();
  return {
    a,
    b,
    cleanup: () => {
      a.destroy();
      b.destroy();
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

export function tempDir(prefix = 'hb-'): {path: string; cleanup: () => void} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {path, cleanup: () => rmSync(path, {recursive: true, force: true})};
}

export function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export function pattern(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) % 251;
  return b;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
