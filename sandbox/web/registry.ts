// The webapp plugin registry (Mattermost's webapp/channels/src/plugins/registry.ts),
// reduced to what a host page needs: it records what a plugin registers and tells
// the page when that changes. Every method accepts positional arguments or one
// object with the same names, as Mattermost's reArg wrapper allows.

export type Listener = () => void;

export interface RootEntry<C> {
  id: string;
  component: C;
}
export interface PostTypeEntry<C> {
  id: string;
  type: string;
  component: C;
}
export interface AdminSettingEntry<C> {
  key: string;
  component: C;
  showTitle: boolean;
}
export interface MenuEntry {
  id: string;
  text: unknown;
  action: (...args: unknown[]) => unknown;
  shouldRender?: (state: unknown) => boolean;
}
export type SocketHandler = (msg: {event: string; data: Record<string, unknown>; broadcast: unknown; seq: number}) => void;

/** What a plugin registered, for the page to render and call. */
export class Registrations<C> {
  readonly roots: RootEntry<C>[] = [];
  readonly postTypes = new Map<string, PostTypeEntry<C>>();
  readonly adminSettings = new Map<string, AdminSettingEntry<C>>();
  readonly mainMenu: MenuEntry[] = [];
  readonly channelHeaderMenu: MenuEntry[] = [];
  readonly socketHandlers = new Map<string, SocketHandler>();
  reconnect: (() => void) | null = null;
}

export interface RegistryHost {
  /** Mounts a reducer at state['plugins-<id>']. */
  registerReducer(key: string, reducer: unknown): void;
  changed(): void;
}

let counter = 0;
const nextId = (pluginId: string): string => `${pluginId}_${(++counter).toString(36)}`;

type Args = unknown[];

/** The positional arguments, whether the plugin passed them as such or as one object of `names`. */
function reArg(names: string[], args: Args): Args {
  const first = args[0];
  if (args.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first) && names.some((n) => n in (first as object))) {
    // A component may itself be an object (memo/forwardRef): only unwrap objects that carry our names.
    const obj = first as Record<string, unknown>;
    if (!('$$typeof' in obj)) return names.map((n) => obj[n]);
  }
  return args;
}

function asFunction(value: unknown, what: string): (...args: unknown[]) => unknown {
  if (typeof value !== 'function') throw new Error(`${what} must be a function`);
  return value as (...args: unknown[]) => unknown;
}

export class PluginRegistry<C> {
  readonly registered = new Registrations<C>();

  constructor(
    readonly id: string,
    private readonly host: RegistryHost,
  ) {}

  registerReducer = (...args: Args): void => {
    const [reducer] = reArg(['reducer'], args);
    this.host.registerReducer(`plugins-${this.id}`, asFunction(reducer, 'reducer'));
  };

  registerRootComponent = (...args: Args): string => {
    const [component] = reArg(['component'], args);
    const id = nextId(this.id);
    this.registered.roots.push({id, component: component as C});
    this.host.changed();
    return id;
  };

  registerPostTypeComponent = (...args: Args): string => {
    const [type, component] = reArg(['typeName', 'component'], args);
    if (typeof type !== 'string' || !type.startsWith('custom_')) throw new Error('post type names must start with "custom_"');
    const id = nextId(this.id);
    this.registered.postTypes.set(type, {id, type, component: component as C});
    this.host.changed();
    return id;
  };

  registerAdminConsoleCustomSetting = (...args: Args): void => {
    const [key, component, options] = reArg(['key', 'component', 'options'], args);
    if (typeof key !== 'string') throw new Error('setting key must be a string');
    this.registered.adminSettings.set(key.toLowerCase(), {key, component: component as C, showTitle: Boolean((options as {showTitle?: boolean} | undefined)?.showTitle)});
    this.host.changed();
  };

  registerMainMenuAction = (...args: Args): string => {
    const [text, action] = reArg(['text', 'action', 'mobileIcon'], args);
    const id = nextId(this.id);
    this.registered.mainMenu.push({id, text, action: asFunction(action, 'action')});
    this.host.changed();
    return id;
  };

  registerChannelHeaderMenuAction = (...args: Args): string => {
    const [text, action, shouldRender] = reArg(['text', 'action', 'shouldRender'], args);
    const id = nextId(this.id);
    this.registered.channelHeaderMenu.push({id, text, action: asFunction(action, 'action'), ...(typeof shouldRender === 'function' ? {shouldRender: shouldRender as (s: unknown) => boolean} : {})});
    this.host.changed();
    return id;
  };

  registerWebSocketEventHandler = (...args: Args): void => {
    const [event, handler] = reArg(['event', 'handler'], args);
    if (typeof event !== 'string') throw new Error('event must be a string');
    this.registered.socketHandlers.set(event, asFunction(handler, 'handler') as SocketHandler);
  };

  unregisterWebSocketEventHandler = (...args: Args): void => {
    const [event] = reArg(['event'], args);
    this.registered.socketHandlers.delete(String(event));
  };

  registerReconnectHandler = (...args: Args): void => {
    const [handler] = reArg(['handler'], args);
    this.registered.reconnect = asFunction(handler, 'handler') as () => void;
  };

  unregisterReconnectHandler = (): void => {
    this.registered.reconnect = null;
  };

  unregisterPostTypeComponent = (...args: Args): void => {
    this.unregisterComponent(...args);
  };

  /** Removes any component or action by the id its registration returned. */
  unregisterComponent = (...args: Args): void => {
    const [id] = reArg(['componentId'], args);
    const r = this.registered;
    const drop = <T extends {id: string}>(list: T[]): void => {
      const i = list.findIndex((e) => e.id === id);
      if (i >= 0) list.splice(i, 1);
    };
    drop(r.roots);
    drop(r.mainMenu);
    drop(r.channelHeaderMenu);
    for (const [type, e] of r.postTypes) if (e.id === id) r.postTypes.delete(type);
    this.host.changed();
  };

  /** The handler a WebSocket event goes to, if any. */
  dispatchEvent(msg: Parameters<SocketHandler>[0]): void {
    const handler = this.registered.socketHandlers.get(msg.event);
    if (!handler) return;
    try {
      handler(msg);
    } catch (err) {
      console.error(`plugin ${this.id}: handler for ${msg.event} failed`, err);
    }
  }
}

export interface PluginInstance {
  initialize?(registry: unknown, store: unknown): unknown;
  uninitialize?(): void;
  deinitialize?(): void;
}

/** window.registerPlugin: a new instance for an id replaces (and uninitializes) the old one. */
export class PluginHost<C> {
  readonly plugins = new Map<string, {instance: PluginInstance; registry: PluginRegistry<C>}>();
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly store: unknown,
    private readonly registerReducer: (key: string, reducer: unknown) => void,
    private readonly onError: (pluginId: string, err: unknown) => void = () => {},
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed = (): void => {
    for (const l of this.listeners) l();
  };

  registerPlugin = (pluginId: string, instance: PluginInstance): void => {
    const old = this.plugins.get(pluginId);
    if (old) {
      try {
        (old.instance.uninitialize ?? old.instance.deinitialize)?.call(old.instance);
      } catch (err) {
        this.onError(pluginId, err);
      }
    }
    const registry = new PluginRegistry<C>(pluginId, {registerReducer: this.registerReducer, changed: this.changed});
    this.plugins.set(pluginId, {instance, registry});
    this.changed();
    try {
      // Like the server's webapp, initialize is not awaited; a rejection is reported, not fatal.
      const result = instance.initialize?.(registry, this.store);
      if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(this.changed, (err: unknown) => this.onError(pluginId, err));
    } catch (err) {
      this.onError(pluginId, err);
    }
  };

  registries(): PluginRegistry<C>[] {
    return [...this.plugins.values()].map((p) => p.registry);
  }

  dispatchEvent(msg: Parameters<SocketHandler>[0]): void {
    for (const r of this.registries()) r.dispatchEvent(msg);
  }

  reconnected(): void {
    for (const r of this.registries()) {
      try {
        r.registered.reconnect?.();
      } catch (err) {
        this.onError(r.id, err);
      }
    }
  }
}
