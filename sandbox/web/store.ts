// The page's Redux store, shaped like the Mattermost webapp's where plugins look
// (entities.general.config, entities.teams, entities.channels, entities.users),
// with thunk middleware and plugin reducers mounted at state['plugins-<id>'].

import {applyMiddleware, combineReducers, legacy_createStore as createStore, type Reducer, type Store, type UnknownAction} from 'redux';
import {thunk} from 'redux-thunk';

export interface RestPost {
  id: string;
  create_at: number;
  update_at: number;
  edit_at: number;
  delete_at: number;
  user_id: string;
  channel_id: string;
  root_id: string;
  message: string;
  type: string;
  props: Record<string, unknown>;
  file_ids?: string[];
  /** Set on posts only this user sees (not part of Mattermost's JSON). */
  ephemeral?: boolean;
}

export interface RestEntity {
  id: string;
  [k: string]: unknown;
}

export interface EntitiesState {
  general: {config: Record<string, string>};
  teams: {teams: Record<string, RestEntity>; currentTeamId: string};
  channels: {channels: Record<string, RestEntity>; currentChannelId: string};
  users: {profiles: Record<string, RestEntity>; currentUserId: string};
  posts: {posts: Record<string, RestPost>; postsInChannel: Record<string, string[]>};
}

export interface SandboxState {
  plugin: {state: number; error: string; pid: number | null};
  view: 'channel' | 'admin';
  theme: 'light' | 'dark';
  notice: {text: string; error: boolean} | null;
}

export interface RootState {
  entities: EntitiesState;
  sandbox: SandboxState;
  [plugin: string]: unknown;
}

export const A = {
  config: 'sandbox/config',
  me: 'sandbox/me',
  users: 'sandbox/users',
  teams: 'sandbox/teams',
  channels: 'sandbox/channels',
  selectChannel: 'sandbox/select_channel',
  posts: 'sandbox/posts',
  post: 'sandbox/post',
  removePost: 'sandbox/remove_post',
  plugin: 'sandbox/plugin',
  view: 'sandbox/view',
  theme: 'sandbox/theme',
  notice: 'sandbox/notice',
} as const;

type Action = UnknownAction & {data?: unknown; id?: string};

const byId = <T extends {id: string}>(list: T[]): Record<string, T> => Object.fromEntries(list.map((x) => [x.id, x]));

function general(state: EntitiesState['general'] = {config: {}}, action: Action): EntitiesState['general'] {
  return action.type === A.config ? {config: action.data as Record<string, string>} : state;
}

function teams(state: EntitiesState['teams'] = {teams: {}, currentTeamId: ''}, action: Action): EntitiesState['teams'] {
  if (action.type !== A.teams) return state;
  const list = action.data as RestEntity[];
  return {teams: byId(list), currentTeamId: state.currentTeamId && list.some((t) => t.id === state.currentTeamId) ? state.currentTeamId : (list[0]?.id ?? '')};
}

function channels(state: EntitiesState['channels'] = {channels: {}, currentChannelId: ''}, action: Action): EntitiesState['channels'] {
  if (action.type === A.channels) return {...state, channels: byId(action.data as RestEntity[])};
  if (action.type === A.selectChannel) return {...state, currentChannelId: action.id ?? ''};
  return state;
}

function users(state: EntitiesState['users'] = {profiles: {}, currentUserId: ''}, action: Action): EntitiesState['users'] {
  if (action.type === A.users) return {...state, profiles: {...state.profiles, ...byId(action.data as RestEntity[])}};
  if (action.type === A.me) {
    const me = action.data as RestEntity | null;
    return me ? {profiles: {...state.profiles, [me.id]: me}, currentUserId: me.id} : {...state, currentUserId: ''};
  }
  return state;
}

function insertNewestFirst(ids: string[], posts: Record<string, RestPost>, post: RestPost): string[] {
  const rest = ids.filter((id) => id !== post.id);
  const at = rest.findIndex((id) => (posts[id]?.create_at ?? 0) < post.create_at);
  return at < 0 ? [...rest, post.id] : [...rest.slice(0, at), post.id, ...rest.slice(at)];
}

function posts(state: EntitiesState['posts'] = {posts: {}, postsInChannel: {}}, action: Action): EntitiesState['posts'] {
  switch (action.type) {
    case A.posts: {
      const {channelId, order, list} = action.data as {channelId: string; order: string[]; list: Record<string, RestPost>};
      // Ephemeral posts exist only here; a refetch must not drop them.
      const kept = (state.postsInChannel[channelId] ?? []).filter((id) => state.posts[id]?.ephemeral);
      let ids = order;
      const all = {...state.posts, ...list};
      for (const id of kept) ids = insertNewestFirst(ids, all, all[id]!);
      return {posts: all, postsInChannel: {...state.postsInChannel, [channelId]: ids}};
    }
    case A.post: {
      const post = action.data as RestPost;
      const all = {...state.posts, [post.id]: post};
      const ids = state.postsInChannel[post.channel_id];
      return {posts: all, postsInChannel: ids ? {...state.postsInChannel, [post.channel_id]: insertNewestFirst(ids, all, post)} : state.postsInChannel};
    }
    case A.removePost: {
      const id = action.id ?? '';
      const post = state.posts[id];
      if (!post) return state;
      const rest = {...state.posts};
      delete rest[id];
      const ids = state.postsInChannel[post.channel_id];
      return {posts: rest, postsInChannel: ids ? {...state.postsInChannel, [post.channel_id]: ids.filter((x) => x !== id)} : state.postsInChannel};
    }
    default:
      return state;
  }
}

const entities = combineReducers({general, teams, channels, users, posts});

// state -1: not known (only admins may read plugin statuses).
const initialSandbox: SandboxState = {plugin: {state: -1, error: '', pid: null}, view: 'channel', theme: 'light', notice: null};

function sandbox(state: SandboxState = initialSandbox, action: Action): SandboxState {
  switch (action.type) {
    case A.plugin:
      return {...state, plugin: action.data as SandboxState['plugin']};
    case A.view:
      return {...state, view: action.data as SandboxState['view']};
    case A.theme:
      return {...state, theme: action.data as SandboxState['theme']};
    case A.notice:
      return {...state, notice: action.data as SandboxState['notice']};
    default:
      return state;
  }
}

export interface SandboxStore extends Store<RootState> {
  /** Mounts (or replaces) a plugin reducer under `key`. */
  registerReducer(key: string, reducer: unknown): void;
}

export function createSandboxStore(): SandboxStore {
  const plugins: Record<string, Reducer> = {};
  const root = (): Reducer => combineReducers({entities, sandbox, ...plugins}) as unknown as Reducer;
  const store = createStore(root(), applyMiddleware(thunk)) as unknown as Store<RootState>;
  return Object.assign(store, {
    registerReducer(key: string, reducer: unknown): void {
      if (typeof reducer !== 'function') throw new Error('a reducer must be a function');
      plugins[key] = reducer as Reducer;
      store.replaceReducer(root() as unknown as Reducer<RootState>);
    },
  });
}
