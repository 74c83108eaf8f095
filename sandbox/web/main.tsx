// Entry of the page. Order matters: the globals plugins expect go on window
// first, then the store and window.registerPlugin, and only then the plugin's
// webapp bundle is loaded with a script tag, as Mattermost's webapp does.

import './globals.js';
import React from 'react';
import {createRoot} from 'react-dom/client';
import {Provider} from 'react-redux';
import {handleEvent, loadAll, notice} from './actions.js';
import {api, switchUser} from './client.js';
import {connectEvents} from './events.js';
import {installPostUtils} from './markdown.js';
import {PluginHost, type PluginInstance} from './registry.js';
import {A, createSandboxStore} from './store.js';
import {applyTheme, savedTheme} from './theme.js';
import {App} from './ui/app.js';
import {HostContext, type Component} from './ui/plugins.js';

declare global {
  interface Window {
    registerPlugin(id: string, plugin: PluginInstance): void;
    basename: string;
  }
}

type AnyDispatch = (action: unknown) => Promise<void>;

const store = createSandboxStore();
const dispatch = store.dispatch as unknown as AnyDispatch;
const host = new PluginHost<Component>(store, (key, reducer) => store.registerReducer(key, reducer), (id, err) => {
  console.error(`plugin ${id} failed`, err);
  void dispatch(notice(`Plugin ${id}: ${err instanceof Error ? err.message : String(err)}`, true));
});
window.registerPlugin = host.registerPlugin;

// ?as=<username> signs in as that user, so a link can open the sandbox as someone.
const as = new URLSearchParams(location.search).get('as');
if (as !== null) {
  switchUser(as);
  const rest = new URLSearchParams(location.search);
  rest.delete('as');
  history.replaceState(null, '', location.pathname + (rest.toString() ? `?${rest}` : '') + location.hash);
}
window.basename = '';
installPostUtils();

const requested = new URLSearchParams(location.search).get('theme');
const theme = requested === 'dark' || requested === 'light' ? requested : savedTheme();
applyTheme(theme);
void dispatch({type: A.theme, data: theme});

const root = createRoot(document.getElementById('root')!);
const render = (connected: boolean): void =>
  root.render(
    <Provider store={store}>
      <HostContext.Provider value={host}>
        <App connected={connected} />
      </HostContext.Provider>
    </Provider>,
  );
render(false);

/** GET /api/v4/plugins/webapp, then one script tag per bundle (plugins/index.ts loadPlugin). */
async function loadPlugins(): Promise<void> {
  const manifests = await api<{id: string; version: string; webapp: {bundle_path: string}}[]>('/api/v4/plugins/webapp');
  for (const m of manifests) {
    if (document.getElementById(`plugin_${m.id}`)) continue;
    const script = document.createElement('script');
    script.id = `plugin_${m.id}`;
    script.type = 'text/javascript';
    script.src = `${m.webapp.bundle_path}?v=${encodeURIComponent(m.version)}`;
    script.onerror = () => void dispatch(notice(`Could not load the webapp bundle of ${m.id}.`, true));
    document.body.appendChild(script);
  }
}

async function start(): Promise<void> {
  const wantsAdmin = location.hash === '#admin';
  await dispatch(loadAll());
  if (!store.getState().entities.users.currentUserId) return;
  if (wantsAdmin) {
    history.replaceState(null, '', '#admin');
    void dispatch({type: A.view, data: 'admin'});
  }
  // ?live=0 leaves live updates off: a headless browser waiting for the network to settle can then take a screenshot.
  if (new URLSearchParams(location.search).get('live') !== '0') {
    connectEvents(
    (msg) => {
      void dispatch(handleEvent(msg));
      host.dispatchEvent(msg);
    },
    () => {
      void dispatch(loadAll()).then(() => host.reconnected());
    },
      render,
    );
  }
  await loadPlugins();
}

start().catch((err: unknown) => void dispatch(notice(err instanceof Error ? err.message : String(err), true)));
