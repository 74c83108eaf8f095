// The baseline of the `incoming` benchmark: a bare node:http server doing what
// an incoming webhook request needs, in one process with its store: the size
// limit, the hook and its channel and owner looked up, the JSON body parsed and
// checked (text or attachments), and the post written with the same in-memory
// store's createPost. No plugin boundary, no RPC.

import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {trim} from '../../sandbox/host/api-service.js';
import {seed} from '../../sandbox/store/seed.js';
import {MemoryMattermost, newId} from '../../server/mattermost/memory.js';
import {serveIpc} from './proc.js';

const MAX_BODY = 1024 * 1024;
const mm = new MemoryMattermost({recordCalls: false});
seed(mm);
const town = [...mm.channels.values()].find((c) => c.Name === 'town-square')!;
const admin = [...mm.users.values()].find((u) => u.Username === 'admin')!;

interface Hook {
  id: string;
  channelId: string;
  userId: string;
  displayName: string;
}
const hooks = new Map<string, Hook>();

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {'Content-Type': status === 200 ? 'text/plain' : 'application/json', 'Content-Length': Buffer.byteLength(text)});
  res.end(text);
}

function fail(res: ServerResponse, status: number, message: string): void {
  reply(res, status, JSON.stringify({id: 'bare.error', message, status_code: status}));
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return resolve(null);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.destroy();
        resolve(null);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^\/hooks\/([a-z0-9]{26})$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m) return fail(res, 404, 'not found');
  const body = await readBody(req);
  if (!body) return fail(res, 413, 'too large');
  const hook = hooks.get(m[1]!);
  if (!hook) return fail(res, 400, 'Invalid webhook');
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return fail(res, 400, 'Unable to parse incoming data');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return fail(res, 400, 'the payload must be a JSON object');
  const p = payload as {text?: unknown; attachments?: unknown};
  const text = typeof p.text === 'string' ? p.text : '';
  if (text === '' && !Array.isArray(p.attachments)) return fail(res, 400, 'No text specified');
  const channel = mm.channels.get(hook.channelId);
  if (!channel) return fail(res, 404, 'channel not found');
  if (!mm.users.has(hook.userId)) return fail(res, 403, 'owner not found');
  await mm.createPost({ChannelId: channel.Id, UserId: hook.userId, Message: text, Props: {from_webhook: 'true', webhook_display_name: hook.displayName, ...(Array.isArray(p.attachments) ? {attachments: p.attachments} : {})}});
  // The sandbox host trims the store's call record the same way after every API call.
  trim(mm);
  reply(res, 200, 'ok');
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => fail(res, 500, String(err)));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const {port} = server.address() as AddressInfo;

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));

serveIpc(
  {url: `http://127.0.0.1:${port}`, pid: process.pid},
  {
    createHook: () => {
      const hook: Hook = {id: newId(), channelId: town.Id, userId: admin.Id, displayName: 'bench'};
      hooks.set(hook.id, hook);
      return hook.id;
    },
    clearPosts: () => mm.posts.clear(),
    posts: () => mm.posts.size,
  },
);
