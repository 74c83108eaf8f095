// The "System Console" for the plugin: its status and restart, its settings from
// the manifest's settings_schema (custom settings drawn by the component the
// plugin registered for them), and the actions it added to the main menu.

import React, {useEffect, useRef, useState} from 'react';
import {useDispatch, useSelector} from 'react-redux';
import {notice, restartPlugin} from '../actions.js';
import {api} from '../client.js';
import type {RootState} from '../store.js';
import {PluginBoundary, useRegistries} from './plugins.js';

type AnyDispatch = (action: unknown) => unknown;

interface Setting {
  key: string;
  display_name?: string;
  type: string;
  help_text?: string;
  placeholder?: string;
  default?: unknown;
  options?: {display_name: string; value: string}[];
}
interface Manifest {
  id: string;
  name?: string;
  version?: string;
  settings_schema?: {header?: string; footer?: string; settings?: Setting[]};
}

const STATES = ['Not running', 'Starting', 'Running', 'Failed to start', 'Failed to stay running', 'Stopping'];

export function PluginStatus(): React.ReactElement | null {
  const plugin = useSelector((s: RootState) => s.sandbox.plugin);
  if (plugin.state < 0) return null;
  return (
    <span className={`sbx-status sbx-status--${plugin.state === 2 ? 'ok' : plugin.state === 1 || plugin.state === 5 ? 'busy' : 'bad'}`} title={plugin.error || undefined}>
      Plugin: {STATES[plugin.state] ?? plugin.state}
      {plugin.pid ? ` (pid ${plugin.pid})` : ''}
    </span>
  );
}

type SaveAction = () => Promise<{error?: {message?: string}}>;

export function AdminArea(): React.ReactElement {
  const dispatch = useDispatch() as AnyDispatch;
  const registries = useRegistries();
  const plugin = useSelector((s: RootState) => s.sandbox.plugin);
  const [manifest, setManifest] = useState<Manifest | null>(null);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState('');
  const saveActions = useRef(new Set<SaveAction>());

  useEffect(() => {
    Promise.all([api<{active: Manifest[]}>('/api/v4/plugins'), api<Record<string, unknown>>('/api/v4/plugins/hookbridge/config')]).then(
      ([plugins, config]) => {
        setManifest(plugins.active[0] ?? null);
        setValues(config);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, []);

  const save = async (): Promise<void> => {
    setError('');
    try {
      for (const action of saveActions.current) {
        const r = await action();
        if (r?.error) throw new Error(r.error.message ?? 'A setting could not be saved.');
      }
      const saved = await api<Record<string, unknown> & {_warning?: string}>('/api/v4/plugins/hookbridge/config', {method: 'PUT', body: values});
      const {_warning: warning, ...rest} = saved;
      setValues(rest);
      setDirty(false);
      dispatch(notice(warning ?? 'Settings saved; the plugin got OnConfigurationChange.', Boolean(warning)));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const set = (key: string, value: unknown): void => {
    setValues((v) => ({...v, [key]: value}));
    setDirty(true);
  };

  const customFor = (key: string): {component: React.ElementType; showTitle: boolean; plugin: string} | null => {
    for (const r of registries) {
      const e = r.registered.adminSettings.get(key.toLowerCase());
      if (e) return {component: e.component, showTitle: e.showTitle, plugin: r.id};
    }
    return null;
  };

  const menu = registries.flatMap((r) => r.registered.mainMenu);

  return (
    <section className='sbx-admin' aria-label='System Console'>
      <h2>System Console › Plugins › {manifest?.name ?? 'Hookbridge'}</h2>
      <div className='sbx-admin__status'>
        <PluginStatus />
        {plugin.error && <span className='sbx-error'>{plugin.error}</span>}
        <button type='button' onClick={() => void dispatch(restartPlugin())}>
          Restart plugin
        </button>
      </div>
      {menu.length > 0 && (
        <div className='sbx-admin__menu'>
          <h3>Main menu actions</h3>
          {menu.map((m) => (
            <button key={m.id} type='button' onClick={() => m.action()}>
              {m.text as React.ReactNode}
            </button>
          ))}
        </div>
      )}
      {manifest?.settings_schema?.header && <p className='sbx-muted'>{manifest.settings_schema.header}</p>}
      <form
        className='sbx-settings'
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {(manifest?.settings_schema?.settings ?? []).map((s) => {
          const id = `setting-${s.key}`;
          const custom = s.type === 'custom' ? customFor(s.key) : null;
          if (s.type === 'custom') {
            if (!custom) return null;
            const C = custom.component;
            return (
              <div key={s.key} className='sbx-setting sbx-setting--custom'>
                {custom.showTitle && <div className='sbx-setting__label'>{s.display_name}</div>}
                <div className='sbx-setting__control'>
                  <PluginBoundary name={`${custom.plugin} setting ${s.key}`}>
                    <C
                      id={s.key}
                      label={s.display_name}
                      helpText={s.help_text}
                      value={values[s.key]}
                      disabled={false}
                      config={{}}
                      license={{}}
                      setByEnv={false}
                      onChange={(key: string, value: unknown) => set(key, value)}
                      setSaveNeeded={() => setDirty(true)}
                      registerSaveAction={(a: SaveAction) => saveActions.current.add(a)}
                      unRegisterSaveAction={(a: SaveAction) => saveActions.current.delete(a)}
                      cancelSubmit={() => setDirty(false)}
                      showConfirm={false}
                    />
                  </PluginBoundary>
                </div>
              </div>
            );
          }
          const value = values[s.key];
          return (
            <div key={s.key} className='sbx-setting'>
              <label className='sbx-setting__label' htmlFor={id}>
                {s.display_name ?? s.key}
              </label>
              <div className='sbx-setting__control'>
                {s.type === 'bool' ? (
                  <input id={id} type='checkbox' checked={value === true} onChange={(e) => set(s.key, e.target.checked)} />
                ) : s.type === 'number' ? (
                  <input id={id} type='number' value={typeof value === 'number' ? value : ''} onChange={(e) => set(s.key, e.target.value === '' ? 0 : Number(e.target.value))} />
                ) : s.type === 'dropdown' || s.type === 'radio' ? (
                  <select id={id} value={String(value ?? '')} onChange={(e) => set(s.key, e.target.value)}>
                    {(s.options ?? []).map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.display_name}
                      </option>
                    ))}
                  </select>
                ) : s.type === 'longtext' ? (
                  <textarea id={id} value={String(value ?? '')} placeholder={s.placeholder} onChange={(e) => set(s.key, e.target.value)} />
                ) : (
                  <input id={id} type='text' value={String(value ?? '')} placeholder={s.placeholder} onChange={(e) => set(s.key, e.target.value)} />
                )}
                {s.help_text && <p className='sbx-help'>{s.help_text}</p>}
              </div>
            </div>
          );
        })}
        {error && <p className='sbx-error'>{error}</p>}
        <button type='submit' disabled={!dirty}>
          Save
        </button>
      </form>
    </section>
  );
}
