// go-plugin both ways: the real Go client launches our plugin; our client launches a Go plugin.
import assert from 'node:assert/strict';
import {before, describe, it} from 'node:test';
import {appErrorType} from '../../server/mattermost/model.js';
import {t} from '../../server/wire/gob/index.js';
import {PluginClient} from '../../server/wire/goplugin/index.js';
import {RpcError} from '../../server/wire/netrpc/index.js';
import {bundleExecutable} from '../support/bundle.js';
import {failures, goBinary, MATTERMOST_START_TIMEOUT_MS, run} from './support.js';

describe('go-plugin: Go host, TypeScript plugin', () => {
  let exe: string;
  before(async () => {
    exe = await bundleExecutable('test/fixtures/basic-plugin.ts', 'basic-plugin');
  });

  it('handshakes, dispenses, serves concurrent calls, calls back over the broker, pings and quits', async () => {
    const res = await run(goBinary('host'), ['--plugin', exe, '--scenario', 'basic', '--expect-handshake-ms', String(MATTERMOST_START_TIMEOUT_MS)]);
    assert.deepEqual(failures(res.stdout), [], res.stdout + res.stderr.slice(-3000));
    assert.match(res.stdout, /^\d+ passed, 0 failed$/m);
    assert.match(res.stdout, /PASS callback/);
    assert.equal(res.code, 0);
  });

  it('refuses to run when not launched by a host', async () => {
    const res = await run(exe, [], {env: {PATH: process.env.PATH}});
    assert.equal(res.code, 1);
    assert.match(res.stderr, /This binary is a plugin/);
    assert.equal(res.stdout, '');
  });
});

describe('go-plugin: TypeScript host, Go plugin', () => {
  it('launches the real go-plugin server, dispenses, calls, serves its callbacks, pings and kills', async () => {
    const logs: string[] = [];
    const client = await PluginClient.launch({command: goBinary('goplugin'), onLog: (e) => logs.push(e.message)});
    try {
      const hooks = await client.dispense('hooks');
      const impl = (await hooks.call('Plugin.Implemented', {}, t.struct('', {}))) as string[];
      assert.ok(impl.includes('OnActivate') && impl.includes('Add'), String(impl));

      // The host serves the API on broker ids; the plugin dials them during OnActivate.
      const calls: string[] = [];
      const api = {
        GetServerVersion: {reply: t.struct('Z_GetServerVersionReturns', {A: t.string}), handle: () => (calls.push('GetServerVersion'), {A: '9.11.0-ts-host'})},
        KVSet: {reply: t.struct('Z_KVSetReturns', {A: appErrorType}), handle: (a: unknown) => (calls.push(`KVSet ${(a as {A: string}).A}=${Buffer.from((a as {B: Uint8Array}).B).toString()}`), {})},
        LogInfo: {reply: t.struct('Z_LogInfoReturns', {}), handle: (a: unknown) => (calls.push(`LogInfo ${(a as {A: string}).A} ${JSON.stringify((a as {B: unknown[]}).B)}`), {})},
      };
      const apiId = client.broker.nextId();
      const drvId = client.broker.nextId();
      void client.broker.acceptAndServe(apiId, api);
      void client.broker.acceptAndServe(drvId, {});
      const activated = (await hooks.call('Plugin.OnActivate', {APIMuxId: apiId, DriverMuxId: drvId}, t.struct('Z_OnActivateArgs', {APIMuxId: t.uint, DriverMuxId: t.uint}))) as {A?: unknown};
      assert.equal(activated.A, undefined);
      assert.deepEqual(calls, ['GetServerVersion', 'KVSet activated=9.11.0-ts-host', 'LogInfo activated ["version","9.11.0-ts-host"]']);

      const sum = (await hooks.call('Plugin.Add', {A: 40, B: 2, Msg: 'hello'}, t.struct('Args', {A: t.int, B: t.int, Msg: t.string}))) as {Sum: number; Echo: string};
      assert.equal(sum.Sum, 42);
      assert.match(sum.Echo, /hello/);

      // Concurrent calls complete out of order and are matched by Seq.
      const order: number[] = [];
      const slowArgs = t.struct('SlowArgs', {Ms: t.int, N: t.int});
      const replies = await Promise.all(
        Array.from({length: 10}, (_, i) =>
          hooks.call('Plugin.Slow', {Ms: (10 - i) * 15, N: i}, slowArgs).then((r) => {
            order.push(i);
            return (r as {N?: number}).N ?? 0;
          }),
        ),
      );
      assert.deepEqual(replies, [...Array(10).keys()]);
      assert.deepEqual(order, [...Array(10).keys()].reverse());

      await assert.rejects(hooks.call('Plugin.Fail', {}, t.struct('', {})), (e: Error) => e instanceof RpcError && e.message === 'it failed');
      await assert.rejects(hooks.call('Plugin.Nope', {}, t.struct('', {})), /rpc: can't find method Plugin.Nope/);

      // The plugin dials a broker id we accept.
      const cbId = client.broker.nextId();
      void client.broker.acceptAndServe(cbId, {GetServerVersion: api.GetServerVersion});
      const cb = (await hooks.call('Plugin.CallBack', {Id: cbId}, t.struct('CallBackArgs', {Id: t.uint}))) as {A: string};
      assert.equal(cb.A, '9.11.0-ts-host');

      for (let i = 0; i < 5; i++) await client.ping();
    } finally {
      const graceful = await client.kill();
      assert.equal(client.hasExited, true);
      assert.ok(graceful || client.hasExited);
    }
  });

  it('reports a plugin that never handshakes within the start timeout', async () => {
    await assert.rejects(PluginClient.launch({command: '/bin/sleep', args: ['10'], startTimeoutMs: 300}), /timeout while waiting for plugin to start/);
    await assert.rejects(PluginClient.launch({command: '/bin/echo', args: ['hello']}), /Unrecognized remote plugin message/);
  });

  it('kills a plugin whose handshake line is malformed or points nowhere', async () => {
    for (const line of ['1|1|tcp|not-an-address|netrpc', '1|1|unix|/nonexistent/plugin.sock|netrpc', 'garbage']) {
      let exit: {code: number | null; signal: NodeJS.Signals | null} | null = null;
      const exited = new Promise<void>((resolve) => {
        void PluginClient.launch({command: '/bin/sh', args: ['-c', `echo '${line}'; exec sleep 30`], onExit: (code, signal) => ((exit = {code, signal}), resolve())}).then(
          () => assert.fail(`launch accepted ${line}`),
          () => undefined,
        );
      });
      await exited;
      assert.deepEqual(exit, {code: null, signal: 'SIGKILL'}, line);
    }
  });
});
