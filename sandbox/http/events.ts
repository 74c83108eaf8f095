// Live updates for the page, in the shape of Mattermost's WebSocket messages
// ({event, data, broadcast, seq}), sent as Server-Sent Events. Each client is one
// user; the broadcast decides who gets a message, as the server's hub does.

import type {ServerResponse} from 'node:http';
import type {MemoryMattermost} from '../../server/mattermost/memory.js';
import {toJSON} from './rest.js';

export interface Broadcast {
  omit_users?: Record<string, boolean> | null;
  user_id?: string;
  channel_id?: string;
  team_id?: string;
}

export interface WebSocketMessage {
  event: string;
  data: Record<string, unknown>;
  broadcast: Broadcast;
}

interface Client {
  userId: string;
  res: ServerResponse;
  seq: number;
}

const KEEPALIVE_MS = 25_000;

export class EventHub {
  private readonly clients = new Set<Client>();
  private readonly keepalive: NodeJS.Timeout;

  constructor(private readonly mm: MemoryMattermost) {
    // Comments keep proxies and browsers from timing the stream out.
    this.keepalive = setInterval(() => {
      for (const c of this.clients) c.res.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether a user gets a message with this broadcast (platform/web_hub.go ShouldSendEvent). */
  canReceive(userId: string, b: Broadcast): boolean {
    if (!userId) return false;
    if (b.omit_users?.[userId]) return false;
    if (b.user_id) return b.user_id === userId;
    if (b.channel_id) {
      const channel = this.mm.channels.get(b.channel_id);
      if (!channel) return false;
      const member = this.mm.channelMembers.get(channel.Id)?.has(userId) ?? false;
      const teamMember = this.mm.teamMembers.get(channel.TeamId ?? '')?.has(userId) ?? false;
      return member || (channel.Type === 'O' && teamMember);
    }
    if (b.team_id) return this.mm.teamMembers.get(b.team_id)?.has(userId) ?? false;
    return true;
  }

  attach(userId: string, res: ServerResponse): void {
    const client: Client = {userId, res, seq: 0};
    res.writeHead(200, {'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no'});
    res.write('retry: 2000\n\n');
    this.clients.add(client);
    this.send(client, {event: 'hello', data: {server_version: 'sandbox', user_id: userId}, broadcast: {user_id: userId}});
    res.on('close', () => this.clients.delete(client));
  }

  publish(message: WebSocketMessage): void {
    for (const c of this.clients) if (this.canReceive(c.userId, message.broadcast)) this.send(c, message);
  }

  private send(c: Client, message: WebSocketMessage): void {
    const body = toJSON({event: message.event, data: message.data, broadcast: {omit_users: null, user_id: '', channel_id: '', team_id: '', ...message.broadcast}, seq: c.seq++});
    c.res.write(`data: ${body}\n\n`);
  }

  close(): void {
    clearInterval(this.keepalive);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}
