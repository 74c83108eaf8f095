// The page: header (user switcher, theme, plugin status, main menu), channel list,
// then either the channel or the plugin's admin area; plugin root components last.

import React, {useEffect, useState} from 'react';
import {useDispatch, useSelector} from 'react-redux';
import {restartPlugin, selectChannel} from '../actions.js';
import {switchUser} from '../client.js';
import {A, type RootState} from '../store.js';
import {applyTheme} from '../theme.js';
import {AdminArea, PluginStatus} from './admin.js';
import {RootComponents, useRegistries} from './plugins.js';
import {ChannelView} from './posts.js';

type AnyDispatch = (action: unknown) => unknown;

const USERS = ['admin', 'alice'];

function UserSwitcher(): React.ReactElement {
  const me = useSelector((s: RootState) => s.entities.users.profiles[s.entities.users.currentUserId]);
  return (
    <label className='sbx-user'>
      Signed in as{' '}
      <select
        value={String(me?.username ?? '')}
        onChange={(e) => {
          switchUser(e.target.value);
          location.reload();
        }}
      >
        <option value=''>nobody</option>
        {USERS.map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </select>
    </label>
  );
}

function MainMenu(): React.ReactElement {
  const dispatch = useDispatch() as AnyDispatch;
  const registries = useRegistries();
  const isAdmin = useSelector((s: RootState) => String(s.entities.users.profiles[s.entities.users.currentUserId]?.roles ?? '').includes('system_admin'));
  const [open, setOpen] = useState(false);
  const items = registries.flatMap((r) => r.registered.mainMenu);
  return (
    <div className='sbx-menu'>
      <button type='button' aria-haspopup='menu' aria-expanded={open} onClick={() => setOpen(!open)}>
        Main menu ▾
      </button>
      {open && (
        <ul role='menu' onClick={() => setOpen(false)}>
          {items.map((m) => (
            <li key={m.id}>
              <button type='button' role='menuitem' onClick={() => m.action()}>
                {m.text as React.ReactNode}
              </button>
            </li>
          ))}
          {isAdmin && (
            <>
              <li>
                <button type='button' role='menuitem' onClick={() => dispatch({type: A.view, data: 'admin'})}>
                  System Console: Hookbridge
                </button>
              </li>
              <li>
                <button type='button' role='menuitem' onClick={() => void dispatch(restartPlugin())}>
                  Restart plugin
                </button>
              </li>
            </>
          )}
          {items.length === 0 && !isAdmin && <li className='sbx-muted'>Nothing here for you.</li>}
        </ul>
      )}
    </div>
  );
}

function Sidebar(): React.ReactElement {
  const dispatch = useDispatch() as AnyDispatch;
  const team = useSelector((s: RootState) => s.entities.teams.teams[s.entities.teams.currentTeamId]);
  const channels = useSelector((s: RootState) => s.entities.channels.channels);
  const current = useSelector((s: RootState) => s.entities.channels.currentChannelId);
  const view = useSelector((s: RootState) => s.sandbox.view);
  const isAdmin = useSelector((s: RootState) => String(s.entities.users.profiles[s.entities.users.currentUserId]?.roles ?? '').includes('system_admin'));
  const list = Object.values(channels).sort((a, b) => String(a.display_name).localeCompare(String(b.display_name)));
  return (
    <nav className='sbx-sidebar' aria-label='Channels'>
      <h1>{String(team?.display_name ?? 'No team')}</h1>
      <ul>
        {list.map((c) => (
          <li key={c.id}>
            <button type='button' aria-current={view === 'channel' && c.id === current ? 'page' : undefined} onClick={() => void dispatch(selectChannel(c.id))}>
              {c.type === 'P' ? '🔒' : '#'} {String(c.display_name)}
            </button>
          </li>
        ))}
      </ul>
      {isAdmin && (
        <button type='button' className='sbx-sidebar__admin' aria-current={view === 'admin' ? 'page' : undefined} onClick={() => {
            history.replaceState(null, '', '#admin');
            dispatch({type: A.view, data: 'admin'});
          }}
        >
          ⚙ Hookbridge admin
        </button>
      )}
    </nav>
  );
}

function Notice(): React.ReactElement | null {
  const dispatch = useDispatch() as AnyDispatch;
  const n = useSelector((s: RootState) => s.sandbox.notice);
  useEffect(() => {
    if (!n) return undefined;
    const t = window.setTimeout(() => dispatch({type: A.notice, data: null}), n.error ? 8000 : 3000);
    return () => window.clearTimeout(t);
  }, [n, dispatch]);
  if (!n) return null;
  return (
    <div className={`sbx-notice${n.error ? ' sbx-notice--error' : ''}`} role={n.error ? 'alert' : 'status'}>
      {n.text}
    </div>
  );
}

export function App({connected}: {connected: boolean}): React.ReactElement {
  const dispatch = useDispatch() as AnyDispatch;
  const me = useSelector((s: RootState) => s.entities.users.currentUserId);
  const view = useSelector((s: RootState) => s.sandbox.view);
  const theme = useSelector((s: RootState) => s.sandbox.theme);
  useEffect(() => {
    applyTheme(theme);
  }, [theme]);
  return (
    <div className='sbx'>
      <header className='sbx-top'>
        <strong className='sbx-brand'>Hookbridge sandbox</strong>
        <span className='sbx-warning' title='No real authentication: anyone who can reach this port can act as any user.'>
          local use only
        </span>
        <span className={`sbx-live${connected ? ' sbx-live--on' : ''}`}>{connected ? 'live' : 'offline'}</span>
        <PluginStatus />
        <span className='sbx-spacer' />
        {me && <MainMenu />}
        <button type='button' onClick={() => dispatch({type: A.theme, data: theme === 'dark' ? 'light' : 'dark'})}>
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
        <UserSwitcher />
      </header>
      {me ? (
        <div className='sbx-body'>
          <Sidebar />
          <main className='sbx-main'>{view === 'admin' ? <AdminArea /> : <ChannelView />}</main>
        </div>
      ) : (
        <main className='sbx-main sbx-signin'>
          <p>Pick a user above to sign in. The sandbox has no passwords: it is for trying the plugin on this machine.</p>
        </main>
      )}
      <RootComponents />
      <Notice />
    </div>
  );
}
