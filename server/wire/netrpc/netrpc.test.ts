import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {sleep, socketPair} from '../../../test/support/net.js';
import {t} from '../gob/index.js';
import {YamuxSession, type YamuxStream} from '../yamux/index.js';
import {RpcClient, RpcError, RpcServer, ShutdownError} from './index.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const args = t.struct('Args', {A: t.int, B: t.int});
const reply = t.struct('Reply', {Sum: t.int});

async function connected(server: RpcServer): Promise<{client: RpcClient; stream: YamuxStream}> {
  const {a, b, cleanup} = await socketPair();
  const hostSide = new YamuxSession(a, {role: 'client', keepAliveMs: 0});
  const pluginSide = new YamuxSession(b, {role: 'server', keepAliveMs: 0});
  pluginSide.on('stream', (s: YamuxStream) => server.serve(s));
  cleanups.push(() => {
    hostSide.close();
    pluginSide.close();
    cleanup();
  });
  const stream = hostSide.open();
  return {client: new RpcClient(stream), stream};
}

describe('net/rpc over gob', () => {
  const server = new RpcServer().register('Math', {
    Add: {reply, handle: (a) => ({Sum: ((a as {A?: number}).A ?? 0) + ((a as {B?: number}).B ?? 0)})},
    Slow: {
      reply,
      handle: async (a) => {
        const {A = 0} = a as {A?: number};
        await sleep(A);
        return {Sum: A};
      },
    },
    Fail: {reply, handle: () => Promise.reject(new Error('bad thing'))},
    Wrong: {reply, handle: () => ({Sum: 'not a number'})},
  });

  it('calls a method and gets its reply', async () => {
    const {client} = await connected(server);
    assert.deepEqual(await client.call('Math.Add', {A: 40, B: 2}, args), {Sum: 42});
    assert.deepEqual(await client.call('Math.Add', {A: -1, B: 1}, args), {});
  });

  it('answers concurrent calls in completion order, matched by Seq', async () => {
    const {client} = await connected(server);
    const finished: number[] = [];
    const delays = [80, 10, 50, 0, 30];
    const results = await Promise.all(delays.map((d) => client.call('Math.Slow', {A: d}, args).then((r) => (finished.push(d), r))));
    assert.deepEqual(results.map((r) => (r as {Sum?: number}).Sum ?? 0), delays);
    assert.deepEqual(finished, [...delays].sort((x, y) => x - y));
  });

  it('returns Go net/rpc error texts', async () => {
    const {client} = await connected(server);
    await assert.rejects(client.call('Math.Fail', {}, args), (e: Error) => e instanceof RpcError && e.message === 'bad thing');
    await assert.rejects(client.call('Math.Nope', {}, args), /^RpcError: rpc: can't find method Math.Nope$/);
    await assert.rejects(client.call('Nope.Add', {}, args), /rpc: can't find service Nope.Add/);
    await assert.rejects(client.call('NoDot', {}, args), /rpc: service\/method request ill-formed: NoDot/);
    await assert.rejects(client.call('Math.Wrong', {}, args), /cannot encode reply for Math.Wrong/);
    // The stream survives all of that.
    assert.deepEqual(await client.call('Math.Add', {A: 1, B: 2}, args), {Sum: 3});
  });

  it('fails pending and later calls with ShutdownError when the stream closes', async () => {
    const {client, stream} = await connected(server);
    const pending = client.call('Math.Slow', {A: 200}, args);
    await sleep(10);
    stream.destroy();
    await assert.rejects(pending, ShutdownError);
    await assert.rejects(client.call('Math.Add', {}, args), /connection is shut down/);
  });

  it('closes a stream that sends garbage, and the server keeps serving others', async () => {
    const {client, stream} = await connected(server);
    stream.write(Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await sleep(30);
    assert.ok(client.closed || stream.destroyed);
    const other = await connected(server);
    assert.deepEqual(await other.client.call('Math.Add', {A: 2, B: 2}, args), {Sum: 4});
  });
});
