import type * as PluginIndex from './index';
import type {PluginRegistry} from './types/registry';
import {adminMe, API, makeStore, mockFetch} from './testlib/test_utils';
import type {Me} from './types';

type PluginModule = typeof PluginIndex;

function makeRegistry() {
    let next = 0;
    const registry = {
        registerReducer: jest.fn(),
        registerRootComponent: jest.fn(() => `root${next++}`),
        registerPostTypeComponent: jest.fn(() => `post${next++}`),
        registerAdminConsoleCustomSetting: jest.fn(),
        registerMainMenuAction: jest.fn(() => `main${next++}`),
        registerChannelHeaderMenuAction: jest.fn(() => `header${next++}`),
        registerWebSocketEventHandler: jest.fn(),
        registerReconnectHandler: jest.fn(),
        unregisterComponent: jest.fn(),
    };
    return registry as typeof registry & PluginRegistry;
}

function loadPlugin(): {module: PluginModule; registerPlugin: jest.Mock} {
    const registerPlugin = jest.fn();
    window.registerPlugin = registerPlugin;
    let module: PluginModule | undefined;
    jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        module = require('./index') as PluginModule;
    });
    return {module: module as PluginModule, registerPlugin};
}

function storeWithoutMe() {
    const store = makeStore({'plugins-hookbridge': {me: null, meLoaded: false}});
    return store as unknown as Parameters<InstanceType<PluginModule['default']>['initialize']>[1];
}

describe('plugin entry point', () => {
    test('registers itself under the manifest id', () => {
        const {registerPlugin} = loadPlugin();
        expect(registerPlugin).toHaveBeenCalledWith('hookbridge', expect.any(Object));
    });

    test('registers components, handlers and, for managers, the menu entries', async () => {
        const {module} = loadPlugin();
        mockFetch({[`GET ${API}/me`]: {body: adminMe}});
        const registry = makeRegistry();
        const plugin = new module.default();
        await plugin.initialize(registry, storeWithoutMe());

        expect(registry.registerReducer).toHaveBeenCalledTimes(1);
        expect(registry.registerRootComponent).toHaveBeenCalledTimes(2);
        expect(registry.registerPostTypeComponent).toHaveBeenCalledWith('custom_hookbridge', expect.any(Function));
        expect(registry.registerAdminConsoleCustomSetting).toHaveBeenCalledWith('HooksOverview', expect.any(Function), {showTitle: true});
        expect(registry.registerWebSocketEventHandler.mock.calls.map((c) => c[0]).sort()).toEqual([
            'custom_hookbridge_delivery',
            'custom_hookbridge_hook_changed',
            'custom_hookbridge_open_dialog',
        ]);
        expect(registry.registerReconnectHandler).toHaveBeenCalled();
        expect(registry.registerMainMenuAction).toHaveBeenCalledWith('Hookbridge webhooks', expect.any(Function), null);
        expect(registry.registerChannelHeaderMenuAction).toHaveBeenCalledWith('Hookbridge webhooks', expect.any(Function));
        expect(document.getElementById('hookbridge-styles')).not.toBeNull();

        plugin.uninitialize();
        expect(document.getElementById('hookbridge-styles')).toBeNull();
    });

    test('menu actions open the manager', async () => {
        const {module} = loadPlugin();
        mockFetch({[`GET ${API}/me`]: {body: adminMe}});
        const registry = makeRegistry();
        const store = storeWithoutMe();
        await new module.default().initialize(registry, store);
        const headerAction = (registry.registerChannelHeaderMenuAction.mock.calls[0] as unknown[])[1] as (id: string) => void;
        headerAction('chan9');
        expect(store.getState()['plugins-hookbridge']?.manager).toEqual({open: true, channelId: 'chan9'});
    });

    test('users who can manage nothing get no entry points, and lose them on reconnect', async () => {
        const {module} = loadPlugin();
        const none: Me = {user_id: 'u', is_admin: false, can_manage_incoming: false, can_manage_outgoing: false, can_manage_others: false};
        let me: Me = none;
        mockFetch({[`GET ${API}/me`]: () => ({body: me})});
        const registry = makeRegistry();
        await new module.default().initialize(registry, storeWithoutMe());
        expect(registry.registerMainMenuAction).not.toHaveBeenCalled();
        expect(registry.registerChannelHeaderMenuAction).not.toHaveBeenCalled();

        // Permission granted later: entries appear after the next /me.
        me = {...none, can_manage_outgoing: true};
        const reconnect = registry.registerReconnectHandler.mock.calls[0][0] as () => void;
        reconnect();
        await new Promise((r) => setTimeout(r, 0));
        expect(registry.registerMainMenuAction).toHaveBeenCalledTimes(1);

        // And revoked again: they are unregistered.
        me = none;
        reconnect();
        await new Promise((r) => setTimeout(r, 0));
        expect(registry.unregisterComponent).toHaveBeenCalledTimes(2);
    });
});
