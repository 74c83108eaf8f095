import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {describe, it} from 'node:test';
import {runInNewContext} from 'node:vm';
import {paths} from '../paths.js';
import {PluginHost, PluginRegistry, type RegistryHost} from './registry.js';
import {createSandboxStore} from './store.js';

const require = createRequire(import.meta.url);

function registry(): {r: PluginRegistry<string>; reducers: string[]; changes: number[]} {
  const reducers: string[] = [];
  const changes: number[] = [];
  const host: RegistryHost = {registerReducer: (key) => reducers.push(key), changed: () => changes.push(1)};
  return {r: new PluginRegistry<string>('demo', host), reducers, changes};
}

describe('webapp plugin registry', () => {
  it('records components and actions, positionally or as one object, and removes them by id', () => {
    const {r, reducers} = registry();
    r.registerReducer(() => ({}));
    assert.deepEqual(reducers, ['plugins-demo']);
    const root = r.registerRootComponent('Root');
    const type = r.registerPostTypeComponent({typeName: 'custom_demo', component: 'PostType'});
    r.registerAdminConsoleCustomSetting('HooksOverview', 'Setting', {showTitle: true});
    const menu = r.registerMainMenuAction('Open', () => 'opened', null);
    const header = r.registerChannelHeaderMenuAction({text: 'Header', action: (id: unknown) => id});
    assert.equal(r.registered.roots[0]!.component, 'Root');
    assert.equal(r.registered.postTypes.get('custom_demo')!.component, 'PostType');
    assert.deepEqual(r.registered.adminSettings.get('hooksoverview'), {key: 'HooksOverview', component: 'Setting', showTitle: true});
    assert.equal(r.registered.mainMenu[0]!.action(), 'opened');
    assert.equal(r.registered.channelHeaderMenu[0]!.action('ch1'), 'ch1');
    for (const id of [root, type, menu, header]) r.unregisterComponent(id);
    assert.equal(r.registered.roots.length + r.registered.postTypes.size + r.registered.mainMenu.length + r.registered.channelHeaderMenu.length, 0);
  });

  it('refuses post types without the custom_ prefix, as Mattermost does', () => {
    assert.throws(() => registry().r.registerPostTypeComponent('hookbridge', 'X'), /custom_/);
  });

  it('routes WebSocket events to the handler for their name and calls the reconnect handler', () => {
    const {r} = registry();
    const seen: string[] = [];
    r.registerWebSocketEventHandler('custom_demo_ping', (m: {data: Record<string, unknown>}) => seen.push(String(m.data.x)));
    r.registerReconnectHandler(() => seen.push('reconnected'));
    r.dispatchEvent({event: 'custom_demo_ping', data: {x: 1}, broadcast: {}, seq: 0});
    r.dispatchEvent({event: 'other', data: {x: 2}, broadcast: {}, seq: 1});
    r.registered.reconnect!();
    assert.deepEqual(seen, ['1', 'reconnected']);
  });

  it('replaces a plugin registered again under the same id, uninitializing the old one', () => {
    const log: string[] = [];
    const host = new PluginHost<string>({}, () => {});
    host.registerPlugin('demo', {initialize: () => log.push('init 1'), uninitialize: () => log.push('uninit 1')});
    host.registerPlugin('demo', {initialize: () => log.push('init 2')});
    assert.deepEqual(log, ['init 1', 'uninit 1', 'init 2']);
    assert.equal(host.registries().length, 1);
  });

  it('hosts the real webapp bundle: reducer mounted, components, menus and event handlers registered', {skip: !existsSync(paths.webappBundle) && 'webapp/dist/main.js is not built'}, async () => {
    const store = createSandboxStore();
    store.dispatch({type: 'sandbox/config', data: {SiteURL: 'http://localhost:8065'}});
    const errors: unknown[] = [];
    const host = new PluginHost<unknown>(store, (key, reducer) => store.registerReducer(key, reducer), (_id, err) => errors.push(err));
    const requests: string[] = [];
    const me = {user_id: 'u1', is_admin: true, can_manage_incoming: true, can_manage_outgoing: true, can_manage_others: true};
    const window: Record<string, unknown> = {
      React: require('react'),
      ReactDOM: require('react-dom'),
      Redux: require('redux'),
      ReactRedux: require('react-redux'),
      PropTypes: require('prop-types'),
      location: {origin: 'http://localhost:8065'},
      registerPlugin: host.registerPlugin,
    };
    const fetch = async (url: string): Promise<Response> => {
      requests.push(url);
      return new Response(JSON.stringify(me), {status: 200, headers: {'Content-Type': 'application/json'}});
    };
    Object.assign(window, {window, fetch, console, URL, URLSearchParams, setTimeout, clearTimeout, Promise});
    runInNewContext(readFileSync(paths.webappBundle, 'utf8'), window, {filename: 'main.js'});
    // initialize awaits fetchMe before it adds the menus.
    for (let i = 0; i < 50 && host.registries()[0]?.registered.mainMenu.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(errors, []);
    const r = host.registries()[0]!;
    assert.equal(r.id, 'hookbridge');
    assert.ok(store.getState()['plugins-hookbridge'], 'reducer mounted at plugins-hookbridge');
    assert.equal(r.registered.roots.length, 2);
    assert.ok(r.registered.postTypes.has('custom_hookbridge'));
    assert.ok(r.registered.adminSettings.has('hooksoverview'));
    assert.equal(r.registered.mainMenu.length, 1);
    assert.equal(r.registered.channelHeaderMenu.length, 1);
    assert.ok(r.registered.socketHandlers.has('custom_hookbridge_open_dialog'));
    assert.ok(r.registered.reconnect);
    assert.deepEqual(requests, ['/plugins/hookbridge/api/v1/me']);
    // An event through the registry reaches the plugin's store.
    host.dispatchEvent({event: 'custom_hookbridge_open_dialog', data: {url: '/plugins/hookbridge/d', dialog: {title: 'T', elements: []}, trigger_id: 't'}, broadcast: {}, seq: 0});
    const pluginState = store.getState()['plugins-hookbridge'] as {dialog: {url: string} | null};
    assert.equal(pluginState.dialog?.url, '/plugins/hookbridge/d');
  });
});
