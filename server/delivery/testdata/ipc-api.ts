// A PluginAPI across a process boundary, like the real plugin RPC: the parent
// owns the store (a MemoryMattermost, so compare-and-set is atomic there) and a
// child process calls it over the Node IPC channel. Killing the child loses only
// its in-flight calls, never the store.
import type {ChildProcess} from 'node:child_process';
import type {PluginAPI} from '../../mattermost/api.js';

export type ToParent = {t: 'call'; id: number; method: string; args: unknown[]} | {t: 'event'; name: string; data: Record<string, unknown>};
export type ToChild = {t: 'reply'; id: number; ok: true; value: unknown} | {t: 'reply'; id: number; ok: false; message: string} | {t: 'stop'};

const FIRE_AND_FORGET = new Set(['logDebug', 'logInfo', 'logWarn', 'logError']);

/** Parent side: answers the child's API calls from `api`; other messages go to `onEvent`. */
export function serveApi(child: ChildProcess, api: PluginAPI, onEvent: (name: string, data: Record<string, unknown>) => void): void {
  child.on('message', (raw) => {
    const msg = raw as ToParent;
    if (msg.t === 'event') return onEvent(msg.name, msg.data);
    const fn = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[msg.method];
    if (typeof fn !== 'function') return reply({t: 'reply', id: msg.id, ok: false, message: `no method ${msg.method}`});
    Promise.resolve()
      .then(() => fn.apply(api, msg.args))
      .then(
        (value) => reply({t: 'reply', id: msg.id, ok: true, value}),
        (err: unknown) => reply({t: 'reply', id: msg.id, ok: false, message: err instanceof Error ? err.message : String(err)}),
      );
  });
  function reply(m: ToChild): void {
    // The child may have been killed meanwhile; its call dies with it.
    if (child.connected) child.send(m, (err) => void err);
  }
}

/** Child side: a PluginAPI whose every method is a call to the parent. */
export function ipcApi(): PluginAPI {
  if (!process.send) throw new Error('no IPC channel');
  const waiting = new Map<number, {resolve: (v: unknown) => void; reject: (e: Error) => void}>();
  let next = 1;
  process.on('message', (raw) => {
    const msg = raw as ToChild;
    if (msg.t !== 'reply') return;
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (!w) return;
    if (msg.ok) w.resolve(msg.value);
    else w.reject(new Error(msg.message));
  });
  return new Proxy({} as PluginAPI, {
    get(_target, method) {
      if (typeof method !== 'string') return undefined;
      if (FIRE_AND_FORGET.has(method)) return (...args: unknown[]) => void process.send!({t: 'call', id: 0, method, args} satisfies ToParent);
      return (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          const id = next++;
          waiting.set(id, {resolve, reject});
          process.send!({t: 'call', id, method, args} satisfies ToParent);
        });
    },
  });
}

export function sendEvent(name: string, data: Record<string, unknown>): void {
  process.send?.({t: 'event', name, data} satisfies ToParent);
}
