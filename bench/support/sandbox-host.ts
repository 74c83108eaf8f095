// The sandbox host in a child process of the benchmarks: the real Sandbox app
// (REST, plugin route, supervisor launching the plugin executable over the
// plugin protocol), its store kept in memory, driven over IPC for what REST
// does not offer: the plugin API calls it served, the yamux streams open to the
// plugin, and bulk KV loading.
//
//   BENCH_PLUGIN  the plugin executable
//   BENCH_DATA    an empty data folder

import {Sandbox, readManifest} from '../../sandbox/app.js';
import {paths} from '../../sandbox/paths.js';
import type {Post} from '../../server/mattermost/model.js';
import {newId, newSecret} from '../../server/webhooks/ids.js';
import type {OutgoingHook} from '../../server/webhooks/model.js';
import {idListValues} from '../../server/webhooks/id-list.js';
import {hookKey, VERSION_KEY} from '../../server/webhooks/store.js';
import type {Method, Service} from '../../server/wire/netrpc/index.js';
import {makeHooks} from '../match.bench.js';
import {serveIpc} from './proc.js';
import {stampedMessage} from './receiver.js';

const calls = new Map<string, number>();
/** Bytes the plugin sent to be written to the KV store (values, and old values to compare), by key prefix. */
const kvBytes = new Map<string, number>();

const byteLength = (v: unknown): number => (v instanceof Uint8Array ? v.length : 0);
/** The bytes a KV write call carries: the arguments that are values (an old value to compare is sent too). */
const writtenBytes: Record<string, (a: Record<string, unknown>) => number> = {
  KVSet: (a) => byteLength(a.B),
  KVSetWithExpiry: (a) => byteLength(a.B),
  KVSetWithOptions: (a) => byteLength(a.B) + byteLength((a.C as {OldValue?: unknown} | undefined)?.OldValue),
  KVCompareAndSet: (a) => byteLength(a.B) + byteLength(a.C),
  KVCompareAndDelete: (a) => byteLength(a.B),
};
/** A key's family: `dq_j_…` → `dq_j_`, `dlx_…` → `dlx_`. */
const keyPrefix = (key: unknown): string => /^[a-z]+_(?:[a-z]{1,2}_)?/.exec(String(key))?.[0] ?? '(other)';

/**
 * Counts every plugin API call by method: the same methods, each wrapped once.
 * Lookups of methods the sandbox does not serve still reach the original
 * service, so it can report them.
 */
function counting(api: Service): Service {
  const counted: Record<string, Method> = {};
  for (const name of Object.keys(api)) {
    const m = api[name]!;
    const written = writtenBytes[name];
    counted[name] = {
      reply: m.reply,
      handle: (args: unknown) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        if (written) {
          const a = args as Record<string, unknown>;
          const prefix = keyPrefix(a.A);
          kvBytes.set(prefix, (kvBytes.get(prefix) ?? 0) + written(a));
        }
        return m.handle(args);
      },
    };
  }
  return new Proxy(counted, {
    getOwnPropertyDescriptor(target, prop) {
      return Reflect.getOwnPropertyDescriptor(target, prop) ?? Reflect.getOwnPropertyDescriptor(api, prop);
    },
  });
}

const problems: string[] = [];
const sandbox = new Sandbox({
  port: 0,
  host: '127.0.0.1',
  dataDir: process.env.BENCH_DATA!,
  executable: process.env.BENCH_PLUGIN!,
  manifest: readManifest(paths.manifest),
  bundleDir: paths.root,
  webappBundle: null,
  pageDir: paths.pageDir,
  persist: false,
  wrapApi: counting,
  // Warnings and errors only: a line per request would be the benchmark's bottleneck.
  log: (line) => {
    if (/ (WARN|ERROR) /.test(line)) {
      problems.push(line);
      if (problems.length > 200) problems.shift();
    }
  },
});

export interface LoadHooksArgs {
  count: number;
  teamId: string;
  creatorId: string;
  callbackUrl: string;
}

/**
 * Writes outgoing hooks straight into the plugin's KV store with the layout of
 * server/webhooks/store.ts (hook records, the all/team/channel/creator id lists,
 * sharded past 1,000 ids as id-list.ts does, hb_version bumped once), as if they
 * had been created one by one.
 */
function loadHooks(args: LoadHooksArgs): {count: number; kvBytes: number} {
  const kv = sandbox.mm.kv;
  const enc = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  const lists = new Map<string, string[]>();
  const list = (key: string, id: string): void => {
    const l = lists.get(key);
    if (l) l.push(id);
    else lists.set(key, [id]);
  };
  let kvBytes = 0;
  const put = (key: string, value: Uint8Array): void => {
    kv.set(key, {value, expiresAt: null});
    kvBytes += key.length + value.length;
  };
  const now = Date.now();
  for (const base of makeHooks(args.count)) {
    const hook: OutgoingHook = {
      ...base,
      token: newId(),
      signing_secret: newSecret(),
      create_at: now,
      update_at: now,
      team_id: args.teamId,
      creator_id: args.creatorId,
      callback_urls: [args.callbackUrl],
    };
    put(hookKey('outgoing', hook.id), enc(hook));
    list('hb_ix_out_all', hook.id);
    list(`hb_ix_out_team_${hook.team_id}`, hook.id);
    list(`hb_ix_out_user_${hook.creator_id}`, hook.id);
    if (hook.channel_id) list(`hb_ix_out_chan_${hook.channel_id}`, hook.id);
  }
  for (const [key, ids] of lists) {
    const current = kv.get(key);
    const before: unknown = current ? JSON.parse(Buffer.from(current.value).toString()) : [];
    if (!Array.isArray(before)) throw new Error(`loadHooks: ${key} is already split into shards; load into a store with fewer hooks`);
    for (const [k, value] of idListValues(key, [...(before as string[]), ...ids])) put(k, value);
  }
  const version = Number(Buffer.from(kv.get(VERSION_KEY)?.value ?? Buffer.from('0')).toString()) || 0;
  put(VERSION_KEY, enc(String(version + 1)));
  return {count: args.count, kvBytes};
}

const url = await sandbox.start();
const admin = [...sandbox.mm.users.values()].find((u) => u.Username === 'admin')!;
const alice = [...sandbox.mm.users.values()].find((u) => u.Username === 'alice')!;
const team = [...sandbox.mm.teams.values()][0]!;
const town = [...sandbox.mm.channels.values()].find((c) => c.Name === 'town-square')!;

/**
 * A post by alice in town square, stored the way the server stores a client's
 * post (then MessageHasBeenPosted runs in the plugin). Its text carries the
 * creation time on the machine's monotonic clock, which the receiver reads too.
 */
function createPost(trigger: string): Promise<Post> {
  return sandbox.mm.createPost({ChannelId: town.Id, UserId: alice.Id, Message: stampedMessage(trigger), RootId: '', Type: '', Props: {}, FileIds: [], PendingPostId: ''});
}

export interface PostManyArgs {
  trigger: string;
  count: number;
  /** Posts whose MessageHasBeenPosted has not finished, at most. */
  concurrency: number;
}

/** Posts as fast as the plugin takes them: `concurrency` posters, each waiting for the hook of its last post. */
async function postMany(args: PostManyArgs): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({length: args.concurrency}, async () => {
      for (let i = next++; i < args.count; i = next++) {
        const post = await createPost(args.trigger);
        await sandbox.postedHookDone(post.Id!);
      }
    }),
  );
}

export interface PostAtRateArgs {
  trigger: string;
  count: number;
  perSecond: number;
}

/** An open-loop schedule: post i at i / perSecond seconds, whatever the plugin is doing. */
async function postAtRate(args: PostAtRateArgs): Promise<void> {
  const start = performance.now();
  const runs: Promise<void>[] = [];
  for (let i = 0; i < args.count; i++) {
    const wait = start + (i * 1000) / args.perSecond - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const post = await createPost(args.trigger);
    runs.push(sandbox.postedHookDone(post.Id!));
  }
  await Promise.all(runs);
}

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await sandbox.stop().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());

serveIpc(
  {url, adminId: admin.Id, aliceId: alice.Id, teamId: team.Id, townId: town.Id, pid: process.pid},
  {
    pluginPid: () => sandbox.supervisor.pid,
    streams: () => sandbox.supervisor.openStreams,
    calls: () => Object.fromEntries(calls),
    kvBytes: () => Object.fromEntries(kvBytes),
    resetCalls: () => (calls.clear(), kvBytes.clear()),
    posts: () => sandbox.mm.posts.size,
    /** Forgets the stored posts, so runs start from the same store size. */
    clearPosts: () => sandbox.mm.posts.clear(),
    kvKeys: () => sandbox.mm.kv.size,
    problems: () => problems.splice(0),
    loadHooks: (args) => loadHooks(args as LoadHooksArgs),
    postOne: async (args) => void (await createPost((args as {trigger: string}).trigger)),
    postMany: (args) => postMany(args as PostManyArgs),
    postAtRate: (args) => postAtRate(args as PostAtRateArgs),
    stop: () => void setImmediate(() => void stop()),
  },
);
