import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {socketPair} from '../../../test/support/net.js';
import {t} from '../gob/index.js';
import {RpcClient, RpcServer} from '../netrpc/index.js';
import {YamuxSession, type YamuxStream} from '../yamux/index.js';
import {brokerAck, MuxBroker} from './broker.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function brokers(): Promise<{host: MuxBroker; plugin: MuxBroker}> {
  const {a, b, cleanup} = await socketPair();
  const hostSession = new YamuxSession(a, {role: 'client', keepAliveMs: 0});
  const pluginSession = new YamuxSession(b, {role: 'server', keepAliveMs: 0});
  const host = new MuxBroker(hostSession);
  hostSession.on('stream', (s: YamuxStream) => void host.incoming(s));
  cleanups.push(() => {
    host.close();
    hostSession.close();
    pluginSession.close();
    cleanup();
  });
  return {host, plugin: new MuxBroker(pluginSession)};
}

const args = t.struct('Args', {A: t.int});
const reply = t.struct('Reply', {B: t.int});

describe('MuxBroker', () => {
  it('opens a stream without waiting for the ack: the first call travels with the id', async () => {
    const {host, plugin} = await brokers();
    const id = host.nextId();
    const served = host.accept(id).then((s) => new RpcServer().register('Plugin', {Twice: {reply, handle: (a) => ({B: 2 * ((a as {A?: number}).A ?? 0)})}}).serve(s));
    const client = new RpcClient(plugin.open(id), {expectPrefix: brokerAck(id)});
    assert.deepEqual(await client.call('Plugin.Twice', {A: 21}, args), {B: 42});
    await served;
    // The ack was taken off the stream, not fed to the decoder: later calls work too.
    assert.deepEqual(await client.call('Plugin.Twice', {A: 2}, args), {B: 4});
  });

  it('works whichever side comes first, and fails a client whose ack is wrong', async () => {
    const {host, plugin} = await brokers();
    const id = host.nextId();
    const client = new RpcClient(plugin.open(id), {expectPrefix: brokerAck(id + 1)});
    const call = client.call('Plugin.Twice', {A: 1}, args);
    const stream = await host.accept(id); // dialled before accepted: the stream was parked
    new RpcServer().register('Plugin', {Twice: {reply, handle: () => ({B: 0})}}).serve(stream);
    await assert.rejects(call, /shut down/);
    assert.equal(client.closed, true);
  });

  it('gives up an accept after its timeout, and on close', async () => {
    const {host} = await brokers();
    await assert.rejects(host.accept(host.nextId(), 50), /timeout waiting for accept/);
    const pending = host.accept(host.nextId());
    host.close();
    await assert.rejects(pending, /closed/);
  });
});
