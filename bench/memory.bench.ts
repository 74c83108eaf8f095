// memory: resident set size of the plugin process (VmRSS from /proc), idle after
// activation and with 100k outgoing hooks loaded, against a bare `node -e`
// process doing nothing, measured the same way in the same run. The hooks are
// written straight into the sandbox's KV store with the plugin's key layout and
// read by the plugin once it is activated (POST /api/v4/plugins/hookbridge/restart);
// a restart is timed until the plugin runs and until it has read them all.
// With them loaded, and before against none, outgoing hooks are created and
// deleted one at a time through the REST API, as an admin or a script does (the
// time each takes, and the bytes sent to the KV store for it), and the admin
// page loads the team's hooks as it does, right after a change: pages of 200
// until a short one, at most 20.

import {spawn} from 'node:child_process';
import {newId, newSecret} from '../server/webhooks/ids.js';
import {RegexRunner} from '../server/webhooks/safe-regex.js';
import {TriggerIndex} from '../server/webhooks/trigger-index.js';
import {figure, type BenchResult, type Figure} from './harness.js';
import {makeHooks} from './match.bench.js';
import {MiB, rssBytes, sleep} from './support/proc.js';
import {BenchSandbox} from './support/sandbox.js';

export interface MemoryOptions {
  hooks: number;
  runs: number;
  /** How long a process idles before its RSS is read. */
  idleMs: number;
}

const IDLE_TARGET_MIB = 80;
const LOADED_TARGET_MIB = 250;
/** When the last plugin process with the hooks loaded is read again, ms after its restart. */
const LATER_MS = 75_000;

const CHANGES = 10;
/** How the admin page reads a team's hooks (webapp/src/actions.ts, fetchAllPages). */
const ADMIN_PAGE_SIZE = 200;
const ADMIN_MAX_PAGES = 20;
/** Hooks created and deleted first, not measured: the process has been idle, and its create path never ran. */
const WARMUP_CHANGES = 2;

interface ChangeFigures {
  createMs: number[];
  deleteMs: number[];
  /** The admin page's load of the team's hooks, each right after a change. */
  listMs: number[];
  /** Bytes sent to be written to the KV store per create and delete (old values compared included). */
  kvBytes: number;
}

async function createHook(sbx: BenchSandbox, name: string): Promise<string> {
  const hook = await sbx.json<{id: string}>('/plugins/hookbridge/api/v1/hooks/outgoing', {
    method: 'POST',
    body: {team_id: sbx.info.teamId, channel_id: sbx.info.townId, display_name: name, trigger_words: [name.replace(/ /g, '')], callback_urls: ['http://127.0.0.1:9/change'], content_type: 'application/json'},
  });
  return hook.id;
}

async function deleteHook(sbx: BenchSandbox, id: string): Promise<void> {
  await sbx.json(`/plugins/hookbridge/api/v1/hooks/outgoing/${id}`, {method: 'DELETE'});
}

/** `n` outgoing hooks created, then deleted, one request at a time. */
async function changeHooks(sbx: BenchSandbox, n: number): Promise<{createMs: number[]; deleteMs: number[]}> {
  const createMs: number[] = [];
  const deleteMs: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    ids.push(await createHook(sbx, `change ${i}`));
    createMs.push(performance.now() - t);
  }
  for (const id of ids) {
    const t = performance.now();
    await deleteHook(sbx, id);
    deleteMs.push(performance.now() - t);
  }
  return {createMs, deleteMs};
}

/** Every page of the team's outgoing hooks the admin page asks for, one after the other; how many it listed. */
async function adminPageLoad(sbx: BenchSandbox): Promise<number> {
  let listed = 0;
  for (let page = 0; page < ADMIN_MAX_PAGES; page++) {
    const hooks = await sbx.json<unknown[]>(`/plugins/hookbridge/api/v1/hooks/outgoing?team_id=${sbx.info.teamId}&page=${page}&per_page=${ADMIN_PAGE_SIZE}`);
    listed += hooks.length;
    if (hooks.length < ADMIN_PAGE_SIZE) break;
  }
  return listed;
}

/** `CHANGES` hooks created, then deleted, after `WARMUP_CHANGES` not measured. */
async function timeChanges(sbx: BenchSandbox): Promise<ChangeFigures> {
  await changeHooks(sbx, WARMUP_CHANGES);
  await sbx.resetCalls();
  const timed = await changeHooks(sbx, CHANGES);
  const bytes = Object.values(await sbx.kvBytes()).reduce((a, b) => a + b, 0);
  const listMs: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    // Each load follows a change, as when the page is opened after an edit: no list is as it was read before.
    const id = await createHook(sbx, `listed ${i}`);
    const t = performance.now();
    if ((await adminPageLoad(sbx)) === 0) throw new Error('the admin page listed no hooks');
    listMs.push(performance.now() - t);
    await deleteHook(sbx, id);
  }
  return {...timed, listMs, kvBytes: bytes / CHANGES};
}

/** Median of a few RSS samples, 200 ms apart, after `idleMs` of idling. */
async function settledRss(pid: number, idleMs: number): Promise<number> {
  await sleep(idleMs);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssBytes(pid));
    await sleep(200);
  }
  return figure(samples, '').value;
}

/** RSS of `node -e` waiting on a timer: what any Node process costs on this machine. */
async function bareNodeRss(idleMs: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1e9)'], {stdio: 'ignore'});
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return await settledRss(child.pid!, idleMs);
  } finally {
    process.kill(child.pid!, 'SIGKILL');
  }
}

/** Hooks as stored (JSON), built in a frame of their own so no temporary outlives it. */
function storedHooks(count: number): string[] {
  return makeHooks(count).map((h) => JSON.stringify({...h, token: newId(), signing_secret: newSecret()}));
}

/** Heap the hook objects and the trigger index take in this process (the same code the plugin runs). */
function heapBreakdown(count: number): {hooks: number; index: number} {
  const gc = (globalThis as {gc?: () => void}).gc;
  if (!gc) return {hooks: NaN, index: NaN};
  const json = storedHooks(count);
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const hooks = json.map((s) => JSON.parse(s) as ReturnType<typeof makeHooks>[number]);
  gc();
  const objects = process.memoryUsage().heapUsed - h0;
  json.length = 0;
  gc();
  const h1 = process.memoryUsage().heapUsed;
  const index = new TriggerIndex(new RegexRunner());
  index.replaceAll(hooks);
  gc();
  const h2 = process.memoryUsage().heapUsed;
  if (index.size !== count) throw new Error('index size mismatch');
  return {hooks: objects, index: h2 - h1};
}

export async function memoryBench(opts: MemoryOptions): Promise<BenchResult[]> {
  const bare: number[] = [];
  for (let i = 0; i < opts.runs; i++) bare.push(await bareNodeRss(opts.idleMs));
  const bareFig = figure(
    bare.map((b) => b / MiB),
    'MiB',
  );

  const sbx = await BenchSandbox.start();
  const results: BenchResult[] = [];
  try {
    const idle: number[] = [];
    const idleRestart: {activeMs: number; loadedMs: number}[] = [];
    for (let i = 0; i < opts.runs; i++) {
      // The first run uses the process the sandbox started; later ones a fresh one each.
      if (i > 0) idleRestart.push(await sbx.restartPlugin());
      idle.push((await settledRss(await sbx.pluginPid(), opts.idleMs)) / MiB);
    }
    const idleFig = figure(idle, 'MiB');
    results.push({
      benchmark: 'memory',
      case: 'plugin RSS, idle',
      ours: idleFig,
      baseline: {name: 'bare node -e', figure: bareFig},
      ratio: bareFig.value / idleFig.value,
      target: `< ${IDLE_TARGET_MIB} MiB`,
      met: idleFig.value < IDLE_TARGET_MIB,
      notes: `${(idleFig.value - bareFig.value).toFixed(1)} MiB over a bare Node process`,
    });

    const changesIdle = await timeChanges(sbx);

    const t0 = performance.now();
    const loaded = await sbx.loadHooks({count: opts.hooks, teamId: sbx.info.teamId, creatorId: sbx.info.adminId, callbackUrl: 'http://127.0.0.1:9/hook'});
    const kvLoadMs = performance.now() - t0;
    const rss: number[] = [];
    const restarts: {activeMs: number; loadedMs: number}[] = [];
    for (let i = 0; i < opts.runs; i++) {
      restarts.push(await sbx.restartPlugin());
      rss.push((await settledRss(await sbx.pluginPid(), opts.idleMs)) / MiB);
    }
    // The read leaves garbage behind that the collector gives back only after
    // a while idle (within about 50 s here): the last process is read again later.
    await sleep(Math.max(0, LATER_MS - opts.idleMs));
    const laterRss = (await settledRss(await sbx.pluginPid(), 0)) / MiB;
    const changesLoaded = await timeChanges(sbx);
    const loadedFig = figure(rss, 'MiB');
    const heap = heapBreakdown(opts.hooks);
    const label = `${(opts.hooks / 1000).toFixed(0)}k`;
    results.push({
      benchmark: 'memory',
      case: `plugin RSS, ${label} outgoing hooks`,
      ours: loadedFig,
      baseline: {name: 'bare node -e', figure: bareFig},
      ratio: bareFig.value / loadedFig.value,
      target: `< ${LOADED_TARGET_MIB} MiB`,
      met: loadedFig.value < LOADED_TARGET_MIB,
      notes:
        `${((loadedFig.value - idleFig.value) * 1024 * (1024 / opts.hooks)).toFixed(0)} bytes/hook over idle; ` +
        `${laterRss.toFixed(0)} MiB ${(LATER_MS / 1000).toFixed(0)} s after the last restart; ` +
        `live heap in this process for the same hooks: objects ${(heap.hooks / MiB).toFixed(0)} MiB (${(heap.hooks / opts.hooks).toFixed(0)} B/hook), ` +
        `TriggerIndex ${(heap.index / MiB).toFixed(0)} MiB (${(heap.index / opts.hooks).toFixed(0)} B/hook); ` +
        `written to the KV store in ${kvLoadMs.toFixed(0)} ms (${(loaded.kvBytes / MiB).toFixed(0)} MiB)`,
    });
    const seconds = (runs: {activeMs: number; loadedMs: number}[], which: 'activeMs' | 'loadedMs'): Figure =>
      figure(
        (runs.length ? runs : [{activeMs: NaN, loadedMs: NaN}]).map((r) => r[which] / 1000),
        's',
      );
    const activeFig = seconds(restarts, 'activeMs');
    const idleActiveFig = seconds(idleRestart, 'activeMs');
    results.push({
      benchmark: 'memory',
      case: `restart (activation) with ${label} hooks`,
      ours: activeFig,
      baseline: {name: 'restart with no hooks', figure: idleActiveFig},
      ratio: idleActiveFig.value / activeFig.value,
      notes: 'until the plugin runs: it reads its outgoing hooks after activation, and posts seen meanwhile wait for them',
    });
    const readFig = seconds(restarts, 'loadedMs');
    const idleLoadedFig = seconds(idleRestart, 'loadedMs');
    results.push({
      benchmark: 'memory',
      case: `restart until ${label} outgoing hooks are read`,
      ours: readFig,
      baseline: {name: 'restart with no hooks', figure: idleLoadedFig},
      ratio: idleLoadedFig.value / readFig.value,
      notes: `${((opts.hooks / (readFig.value - idleLoadedFig.value)) | 0).toLocaleString('en-US')} hooks/s read after activation (KVGet per hook)`,
    });
    const pairMs = (c: ChangeFigures): number[] => c.createMs.map((ms, i) => ms + c.deleteMs[i]!);
    const changeFig = figure(pairMs(changesLoaded), 'ms');
    const changeIdleFig = figure(pairMs(changesIdle), 'ms');
    const median = (xs: number[]): string => figure(xs, '').value.toFixed(1);
    results.push({
      benchmark: 'memory',
      case: `create and delete an outgoing hook with ${label} stored`,
      ours: changeFig,
      baseline: {name: 'with no hooks stored', figure: changeIdleFig},
      ratio: changeIdleFig.value / changeFig.value,
      notes:
        `${CHANGES} hooks created then deleted through the REST API, one request at a time, after ${WARMUP_CHANGES} not measured; create ${median(changesLoaded.createMs)} ms, delete ${median(changesLoaded.deleteMs)} ms ` +
        `(no hooks: ${median(changesIdle.createMs)} / ${median(changesIdle.deleteMs)} ms); KV bytes written per create and delete ${changesLoaded.kvBytes.toFixed(0)} (no hooks: ${changesIdle.kvBytes.toFixed(0)}); ` +
        `the admin page's load of the team's hooks right after a change (${ADMIN_MAX_PAGES} pages of ${ADMIN_PAGE_SIZE}; no hooks stored: one page) ${median(changesLoaded.listMs)} ms (no hooks: ${median(changesIdle.listMs)} ms)`,
    });
  } finally {
    await sbx.stop();
  }
  return results;
}
