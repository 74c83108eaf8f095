// Loading and changing what the page shows, as thunks on the page's store.

import {api, ApiError} from './client.js';
import type {SocketMessage} from './events.js';
import {A, type RestEntity, type RestPost, type RootState, type SandboxStore} from './store.js';

type Dispatch = SandboxStore['dispatch'];
type GetState = () => RootState;
export type Thunk = (dispatch: Dispatch, getState: GetState) => Promise<void>;

export function notice(text: string, error = false): {type: string; data: {text: string; error: boolean}} {
  return {type: A.notice, data: {text, error}};
}

const failed = (dispatch: Dispatch, err: unknown): void => {
  dispatch(notice(err instanceof Error ? err.message : String(err), true));
};

export function loadPosts(channelId: string): Thunk {
  return async (dispatch) => {
    const r = await api<{order: string[]; posts: Record<string, RestPost>}>(`/api/v4/channels/${channelId}/posts?per_page=200`);
    dispatch({type: A.posts, data: {channelId, order: r.order, list: r.posts}});
  };
}

export function selectChannel(channelId: string): Thunk {
  return async (dispatch) => {
    dispatch({type: A.selectChannel, id: channelId});
    dispatch({type: A.view, data: 'channel'});
    history.replaceState(null, '', `#${channelId}`);
    await loadPosts(channelId)(dispatch, () => ({}) as RootState).catch((err: unknown) => failed(dispatch, err));
  };
}

export function loadPluginStatus(): Thunk {
  return async (dispatch) => {
    try {
      const [s] = await api<{state: number; error: string; pid: number | null}[]>('/api/v4/plugins/statuses');
      if (s) dispatch({type: A.plugin, data: {state: s.state, error: s.error, pid: s.pid}});
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 403)) throw err;
    }
  };
}

/** Everything the page needs after (re)loading: config, who I am, teams, channels, posts. */
export function loadAll(): Thunk {
  return async (dispatch, getState) => {
    dispatch({type: A.config, data: await api<Record<string, string>>('/api/v4/config/client?format=old')});
    let me: RestEntity | null = null;
    try {
      me = await api<RestEntity>('/api/v4/users/me');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    dispatch({type: A.me, data: me});
    if (!me) return;
    dispatch({type: A.users, data: await api<RestEntity[]>('/api/v4/users')});
    dispatch({type: A.teams, data: await api<RestEntity[]>('/api/v4/teams')});
    const teamId = getState().entities.teams.currentTeamId;
    if (!teamId) return;
    const channels = await api<RestEntity[]>(`/api/v4/teams/${teamId}/channels`);
    dispatch({type: A.channels, data: channels});
    const wanted = location.hash.slice(1);
    const current = channels.find((c) => c.id === wanted) ?? channels.find((c) => c.name === 'town-square') ?? channels[0];
    if (current) await selectChannel(current.id)(dispatch, getState);
    // Only admins may read plugin statuses; asking as anyone else is a 403 in the console.
    if (String(me.roles ?? '').includes('system_admin')) await loadPluginStatus()(dispatch, getState);
  };
}

export function createPost(channelId: string, message: string): Thunk {
  return async (dispatch) => {
    try {
      // The posted event adds it; adding it here too keeps the page right if events lag.
      const post = await api<RestPost>('/api/v4/posts', {method: 'POST', body: {channel_id: channelId, message}});
      dispatch({type: A.post, data: post});
    } catch (err) {
      failed(dispatch, err);
      throw err;
    }
  };
}

export function editPost(postId: string, message: string): Thunk {
  return async (dispatch) => {
    try {
      dispatch({type: A.post, data: await api<RestPost>(`/api/v4/posts/${postId}/patch`, {method: 'PUT', body: {message}})});
    } catch (err) {
      failed(dispatch, err);
    }
  };
}

export function restartPlugin(): Thunk {
  return async (dispatch, getState) => {
    try {
      dispatch(notice('Restarting the plugin…'));
      await api('/api/v4/plugins/hookbridge/restart', {method: 'POST'});
      await loadPluginStatus()(dispatch, getState);
      dispatch(notice('The plugin was restarted.'));
    } catch (err) {
      failed(dispatch, err);
    }
  };
}

function parsePost(data: Record<string, unknown>): RestPost | null {
  try {
    return typeof data.post === 'string' ? (JSON.parse(data.post) as RestPost) : null;
  } catch {
    return null;
  }
}

/** What core does with the events it knows; plugin handlers run as well. */
export function handleEvent(msg: SocketMessage): Thunk {
  return async (dispatch) => {
    switch (msg.event) {
      case 'posted':
      case 'post_edited': {
        const post = parsePost(msg.data);
        if (post) dispatch({type: A.post, data: post});
        break;
      }
      case 'ephemeral_message': {
        const post = parsePost(msg.data);
        if (post) dispatch({type: A.post, data: {...post, ephemeral: true}});
        break;
      }
      case 'post_deleted': {
        const post = parsePost(msg.data);
        if (post) dispatch({type: A.removePost, id: post.id});
        break;
      }
      case 'plugin_statuses_changed':
        dispatch({type: A.plugin, data: {state: Number(msg.data.state ?? 0), error: String(msg.data.error ?? ''), pid: null}});
        break;
      default:
        break;
    }
  };
}
