import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MATTERMOST_START_TIMEOUT_MS} from '../../test/conformance/support.js';
import {bundleExecutable} from '../../test/support/bundle.js';
import {PluginClient} from '../wire/goplugin/index.js';
import {t} from '../wire/gob/index.js';

describe('plugin runtime process', () => {
  it('exits cleanly when the host disappears without Quit', async () => {
    const exe = await bundleExecutable('test/fixtures/runtime-plugin.ts', 'runtime-plugin');
    let exitCode: number | null = null;
    const client = await PluginClient.launch({command: exe, onExit: (code) => (exitCode = code)});
    assert.ok(client.handshakeMs < MATTERMOST_START_TIMEOUT_MS, `handshake took ${client.handshakeMs} ms, past Mattermost's start timeout`);
    const hooks = await client.dispense('hooks');
    const implemented = (await hooks.call('Plugin.Implemented', {}, t.struct('', {}))) as string[];
    assert.ok(implemented.includes('ServeHTTP'));
    // The host crashes: the connection just goes away.
    client.session.close();
    const started = Date.now();
    await client.waitForExit();
    assert.equal(exitCode, 0);
    assert.ok(Date.now() - started < 2000);
  });

  it('logs hclog JSON lines that Go can parse', async () => {
    const exe = await bundleExecutable('test/fixtures/runtime-plugin.ts', 'runtime-plugin');
    const lines: {level: string; message: string; fields: Record<string, unknown>}[] = [];
    const client = await PluginClient.launch({command: exe, onLog: (e) => lines.push(e)});
    const hooks = await client.dispense('hooks');
    // OnActivate with broker ids nobody serves: dialling fails, the error is logged and returned.
    const reply = (await hooks.call('Plugin.OnActivate', {APIMuxId: 77, DriverMuxId: 78}, t.struct('Z_OnActivateArgs', {APIMuxId: t.uint, DriverMuxId: t.uint}))) as {A?: {name: string}};
    assert.equal(reply.A?.name, '*plugin.ErrorString');
    await client.kill();
    const logged = lines.find((l) => l.message.includes('OnActivate failed'));
    assert.ok(logged, JSON.stringify(lines));
    assert.equal(logged.level, 'error');
  });
});
