// The webapp bundle as the page loads it, without jest: it loads in Chromium, logs
// no errors, and registers with window.registerPlugin what Mattermost expects.

import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Browser, Page} from 'playwright-core';
import {tempDir} from '../support/net.js';
import {Client, startSandbox, type RunningSandbox} from '../../sandbox/test/harness.js';
import {launchBrowser, prepareBuilds, shot, watchPage, type PageProblem} from './support.js';

interface RegistryCall {
  plugin: string;
  method: string;
  args: string[];
}

// Runs before the page's own script: wraps window.registerPlugin when the page sets
// it, and the registry each plugin's initialize gets, recording every register* call.
const RECORD_REGISTRATIONS = `(() => {
  const calls = [];
  Object.defineProperty(window, '__registryCalls', {value: calls});
  const describe = (a) => typeof a === 'string' ? a : a === null ? 'null' : typeof a === 'function' ? 'function' : typeof a === 'object' && '$$typeof' in a ? 'component' : typeof a;
  let wrapped;
  Object.defineProperty(window, 'registerPlugin', {
    configurable: true,
    get: () => wrapped,
    set: (real) => {
      wrapped = (id, plugin) => {
        const initialize = plugin && plugin.initialize;
        if (typeof initialize === 'function') {
          plugin.initialize = function (registry, store) {
            const spy = new Proxy(registry, {
              get(target, key, receiver) {
                const value = Reflect.get(target, key, receiver);
                if (typeof value !== 'function' || typeof key !== 'string' || !/^(un)?register/.test(key)) return value;
                return (...args) => {
                  calls.push({plugin: id, method: key, args: args.map(describe)});
                  return value.apply(target, args);
                };
              },
            });
            return initialize.call(this, spy, store);
          };
        }
        return real(id, plugin);
      };
    },
  });
})();`;

describe('webapp smoke in the browser', {timeout: 90_000}, () => {
  const data = tempDir('hb-browser-smoke-');
  let builds: {plugin: string; cleanup: () => void} | null = null;
  let sbx: RunningSandbox | null = null;
  let browser: Browser | null = null;
  let bundlePath = '';

  const open = async (user: string, hash = ''): Promise<{page: Page; problems: PageProblem[]; calls: () => Promise<RegistryCall[]>; meLoaded: Promise<unknown>}> => {
    const context = await browser!.newContext({viewport: {width: 1280, height: 800}});
    context.setDefaultTimeout(10_000);
    await context.addInitScript(RECORD_REGISTRATIONS);
    const page = await context.newPage();
    const problems = watchPage(page);
    // The plugin asks who the user is before deciding on its menu entries.
    const meLoaded = page.waitForResponse((r) => r.url().endsWith('/plugins/hookbridge/api/v1/me'));
    await page.goto(`${sbx!.url}/?as=${user}${hash}`);
    return {page, problems, calls: () => page.evaluate('window.__registryCalls') as Promise<RegistryCall[]>, meLoaded};
  };

  /** Problems the plugin caused: its bundle's messages and exceptions, and failed requests to its routes. */
  const fromPlugin = (problems: PageProblem[]): PageProblem[] =>
    problems.filter((p) => p.kind === 'pageerror' || p.url.includes(bundlePath) || p.url.includes('/plugins/hookbridge/') || p.text.includes(bundlePath));

  before(async () => {
    builds = await prepareBuilds();
    sbx = await startSandbox({SANDBOX_DATA: data.path, SANDBOX_PLUGIN: builds.plugin});
    const [manifest] = await new Client(sbx.url, 'admin').json<{id: string; webapp: {bundle_path: string}}[]>('/api/v4/plugins/webapp');
    assert.equal(manifest?.id, 'hookbridge');
    bundlePath = manifest.webapp.bundle_path;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await sbx?.stop();
    builds?.cleanup();
    data.cleanup();
  });

  it('loads for an admin without errors and registers what Mattermost expects', async () => {
    const {page, problems, calls, meLoaded} = await open('admin', '#admin');
    await meLoaded;
    // The bundle registered the custom setting once the admin area draws it.
    await page.getByRole('tablist', {name: 'Webhook type'}).waitFor();
    await page.getByRole('button', {name: 'Main menu ▾'}).click();
    await page.getByRole('menuitem', {name: 'Hookbridge webhooks'}).waitFor();
    await shot(page, 'smoke-admin');

    const recorded = await calls();
    assert.ok(recorded.length > 0, 'the plugin initialized through window.registerPlugin');
    assert.ok(recorded.every((c) => c.plugin === 'hookbridge'));
    const has = (method: string, ...args: string[]): boolean => recorded.some((c) => c.method === method && args.every((a, i) => c.args[i] === a));
    assert.ok(has('registerReducer', 'function'), 'a reducer');
    assert.equal(recorded.filter((c) => c.method === 'registerRootComponent').length, 2, 'the manager and the dialog roots');
    assert.ok(has('registerPostTypeComponent', 'custom_hookbridge'), 'the post type component');
    assert.ok(has('registerAdminConsoleCustomSetting', 'HooksOverview'), 'the admin console setting');
    for (const event of ['custom_hookbridge_hook_changed', 'custom_hookbridge_delivery', 'custom_hookbridge_open_dialog']) {
      assert.ok(has('registerWebSocketEventHandler', event, 'function'), `a handler for ${event}`);
    }
    assert.ok(has('registerReconnectHandler', 'function'), 'a reconnect handler');
    assert.ok(has('registerMainMenuAction', 'Hookbridge webhooks', 'function'), 'the main menu action');
    assert.ok(has('registerChannelHeaderMenuAction', 'Hookbridge webhooks', 'function'), 'the channel header action');

    assert.deepEqual(problems, [], problems.map((p) => `${p.kind}: ${p.text}`).join('\n'));
    await page.context().close();
  });

  it('loads for a regular user without errors', async () => {
    const {page, problems, calls, meLoaded} = await open('alice');
    await page.getByRole('region', {name: 'Channel Town Square'}).waitFor();
    await meLoaded;
    const me = await new Client(sbx!.url, 'alice').json<{can_manage_incoming: boolean; can_manage_outgoing: boolean}>('/plugins/hookbridge/api/v1/me');
    await page.getByRole('button', {name: 'Main menu ▾'}).click();
    const item = page.getByRole('menuitem', {name: 'Hookbridge webhooks'});
    if (me.can_manage_incoming || me.can_manage_outgoing) await item.waitFor();
    else assert.equal(await item.count(), 0, 'no manager entry for a user who may not manage hooks');
    await shot(page, 'smoke-alice');
    assert.ok((await calls()).some((c) => c.method === 'registerPostTypeComponent'), 'the plugin initialized for alice too');
    const mine = fromPlugin(problems);
    assert.deepEqual(mine, [], mine.map((p) => `${p.kind}: ${p.text}`).join('\n'));
    assert.deepEqual(problems, [], problems.map((p) => `${p.kind}: ${p.text}`).join('\n'));
    await page.context().close();
  });
});
