import assert from 'node:assert/strict';
import {fork, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import {DeliveryLog} from './log.js';
import {JOB_PREFIX, SHARD_PREFIX} from './queue.js';
import {serveApi} from './testdata/ipc-api.js';
import {closeReceivers, sleep, startReceiver, waitFor} from './testdata/support.js';
import type {Delivery} from './types.js';

const RUNNER = fileURLToPath(new URL('./testdata/runner.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await closeReceivers();
});

function startNode(mm: MemoryMattermost, args: string[], onEvent: (name: string, data: Record<string, unknown>) => void): ChildProcess {
  const child = fork(RUNNER, args, {execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  children.push(child);
  serveApi(child, mm, onEvent);
  return child;
}

const exited = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())));

describe('durable queue: a node killed mid-delivery', () => {
  it('delivers all 1,000 events at least once after SIGKILL and restart', async (t) => {
    const COUNT = 1000;
    const started = performance.now();
    // A little latency per request, so the kill catches requests in flight.
    const arrived = new Map<number, number>();
    const receiver = await startReceiver(async (r) => {
      const n = (JSON.parse(r.body.toString()) as {n: number}).n;
      arrived.set(n, (arrived.get(n) ?? 0) + 1);
      await sleep(3);
      return {status: 200};
    });
    const mm = new MemoryMattermost();
    const acked = new Map<number, string>();

    const first = startNode(mm, ['node-1', receiver.url, String(COUNT), 'enqueue'], (name, data) => {
      if (name === 'enqueued') acked.set(data.n as number, data.id as string);
    });
    await waitFor(() => arrived.size >= 400, 20_000, 'the first node to deliver 400 events');
    first.kill('SIGKILL');
    await exited(first);
    const atKill = {received: receiver.received.length, unique: arrived.size, acked: acked.size};
    const killedAt = performance.now();

    const second = startNode(mm, ['node-2', receiver.url, '0', 'resume'], () => undefined);
    await waitFor(() => [...acked.keys()].every((n) => arrived.has(n)), 30_000, 'every acknowledged event to arrive');
    const queued = (): string[] => [...mm.kv.keys()].filter((k) => k.startsWith(JOB_PREFIX) || k.startsWith(SHARD_PREFIX));
    await waitFor(() => queued().length === 0, 10_000, 'the queue to empty').catch((err: Error) => {
      const left = queued().map((k) => `${k}: ${new TextDecoder().decode(mm.kv.get(k)?.value ?? new Uint8Array()).slice(0, 300)}`);
      throw new Error(`${err.message}; left: ${left.join(' | ')}`);
    });
    const totalMs = performance.now() - started;
    second.send({t: 'stop'});
    await exited(second);

    const seen = arrived;
    const lost = [...acked.keys()].filter((n) => !seen.has(n));
    const duplicates = [...seen.entries()].filter(([, c]) => c > 1);
    t.diagnostic(`killed after ${atKill.received} requests (${atKill.unique} distinct events, ${atKill.acked} enqueues acknowledged); total ${totalMs.toFixed(0)} ms, restart to empty queue ${(performance.now() - killedAt).toFixed(0)} ms`);
    t.diagnostic(`events acknowledged ${acked.size}, delivered ${seen.size}, lost ${lost.length}, duplicated ${duplicates.length} (${duplicates.map(([n, c]) => `${n}×${c}`).join(' ')})`);

    assert.ok(atKill.unique < COUNT, 'the kill happened mid-way');
    assert.deepEqual(lost, [], 'no acknowledged event lost');
    // Every event the first node stored, acknowledged or not, arrived: nothing is left queued.
    assert.equal(seen.size, Math.max(acked.size, seen.size));
    // Only requests in flight at the kill can repeat: at most the node's concurrency.
    assert.ok(duplicates.length <= 16, `${duplicates.length} duplicates`);
    assert.ok(duplicates.every(([, c]) => c === 2));
    // The log (the last 200 of the hook, some of them perhaps deliveries the kill cut off
    // before they were acknowledged) agrees: the acknowledged ones in it ended succeeded.
    // Read as a third node would: from the KV store alone.
    const reader = new DeliveryLog(mm);
    const logged = (await Promise.all([...acked.values()].map((id) => reader.get(id)))).filter((d): d is Delivery => d !== null);
    assert.ok(logged.length > 0 && logged.length <= 200, `${logged.length} acknowledged deliveries in the log`);
    assert.ok(logged.every((d) => d.status === 'succeeded'), 'every logged delivery succeeded');
    await receiver.close();
  });
});
