import {fetchIncomingHooks, fetchMe, fetchOutgoingHooks, openManager} from './actions';
import type {AppDispatch} from './actions';
import {setSiteURLGetter} from './client';
import AdminHooksOverview from './components/hooks_manager/admin_setting';
import AttachmentPost from './components/attachments/attachment_post';
import DialogRoot from './components/dialog/dialog_root';
import ManagerRoot from './components/hooks_manager/manager_root';
import manifest from './manifest';
import reducer from './reducer';
import {canManageAnything, canManageIncoming, canManageOutgoing, getCurrentTeamId, getMe, getSiteURL} from './selectors';
import {ensureStyles, removeStyles} from './styles';
import type {HostState, Me} from './types';
import type {PluginRegistry, UniqueIdentifier, WebSocketHandler} from './types/registry';
import {handleDelivery, handleHookChanged, handleOpenDialog, WebSocketEvents} from './websocket';

export {default as InteractiveDialog} from './components/dialog/interactive_dialog';
export {default as HooksManager} from './components/hooks_manager/hooks_manager';
export {default as AttachmentPost} from './components/attachments/attachment_post';
export {ActionTypes} from './action_types';

/** Post type whose body this plugin renders. */
export const POST_TYPE = `custom_${manifest.id}`;

/** Key of the `type: "custom"` setting in plugin.json that shows the manager. */
export const ADMIN_SETTING_KEY = 'HooksOverview';

export const MENU_TEXT = 'Hookbridge webhooks';

export type PluginStore = {
    dispatch: AppDispatch;
    getState: () => HostState;
    subscribe: (listener: () => void) => () => void;
};

export default class Plugin {
    private registry: PluginRegistry | null = null;
    private store: PluginStore | null = null;
    private entryPoints: UniqueIdentifier[] = [];
    private unsubscribe: (() => void) | null = null;
    private lastMe: Me | null | undefined;

    public async initialize(registry: PluginRegistry, store: PluginStore): Promise<void> {
        this.registry = registry;
        this.store = store;
        this.lastMe = undefined;
        setSiteURLGetter(() => getSiteURL(store.getState()));
        ensureStyles();

        registry.registerReducer(reducer);
        registry.registerRootComponent(ManagerRoot);
        registry.registerRootComponent(DialogRoot);
        registry.registerPostTypeComponent(POST_TYPE, AttachmentPost);
        registry.registerAdminConsoleCustomSetting(ADMIN_SETTING_KEY, AdminHooksOverview, {showTitle: true});

        registry.registerWebSocketEventHandler(WebSocketEvents.HOOK_CHANGED, handleHookChanged(store) as WebSocketHandler);
        registry.registerWebSocketEventHandler(WebSocketEvents.DELIVERY, handleDelivery(store) as WebSocketHandler);
        registry.registerWebSocketEventHandler(WebSocketEvents.OPEN_DIALOG, handleOpenDialog(store) as WebSocketHandler);
        registry.registerReconnectHandler(this.onReconnect);

        // Permissions can change while the app is open (role edits arrive with
        // a reconnect), so the menus follow /me instead of being fixed at load.
        this.unsubscribe = store.subscribe(this.syncEntryPoints);
        await store.dispatch(fetchMe());
        this.syncEntryPoints();
    }

    public uninitialize(): void {
        this.unsubscribe?.();
        this.unsubscribe = null;
        this.entryPoints = [];
        this.registry = null;
        this.store = null;
        removeStyles();
    }

    private onReconnect = (): void => {
        const store = this.store;
        if (!store) {
            return;
        }
        store.dispatch(fetchMe()).then(() => {
            // Hook events sent while offline were missed; a refetch catches up.
            const state = store.getState();
            const teamId = getCurrentTeamId(state);
            if (!teamId) {
                return;
            }
            if (canManageIncoming(state)) {
                store.dispatch(fetchIncomingHooks(teamId));
            }
            if (canManageOutgoing(state)) {
                store.dispatch(fetchOutgoingHooks(teamId));
            }
        });
    };

    private syncEntryPoints = (): void => {
        const registry = this.registry;
        const store = this.store;
        if (!registry || !store) {
            return;
        }
        const state = store.getState();
        const me = getMe(state);
        if (me === this.lastMe) {
            return;
        }
        this.lastMe = me;

        const allowed = canManageAnything(state);
        if (allowed && this.entryPoints.length === 0) {
            this.entryPoints = [
                registry.registerMainMenuAction(MENU_TEXT, () => store.dispatch(openManager()), null),
                registry.registerChannelHeaderMenuAction(MENU_TEXT, (channelId: string) => store.dispatch(openManager(channelId))),
            ];
        } else if (!allowed && this.entryPoints.length > 0) {
            this.entryPoints.forEach((id) => registry.unregisterComponent(id));
            this.entryPoints = [];
        }
    };
}

window.registerPlugin(manifest.id, new Plugin());
